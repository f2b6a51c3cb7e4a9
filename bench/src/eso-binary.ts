// ESO's controller binary and CRDs for the side-by-side scenario: $LOCKSTEP_ESO_DIR when set,
// else the cache that scripts/build-eso.sh fills (it builds once from ESO's Go module and
// prints the directory; a warm cache answers at once and needs no Go).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../../scripts/build-eso.sh', import.meta.url));
export const ESO_VERSION = 'v0.16.2';

export interface EsoBuild {
  binary: string;
  /** ESO's `config/crds/bases` (external-secrets.io and generators.external-secrets.io). */
  crdDir: string;
}

export async function esoBuild(): Promise<EsoBuild> {
  const dir = process.env.LOCKSTEP_ESO_DIR ?? (await buildOrReuse());
  const build = { binary: join(dir, 'external-secrets'), crdDir: join(dir, 'crds') };
  const missing = Object.values(build).filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`ESO build missing: ${missing.join(', ')} (run \`make eso\`)`);
  return build;
}

async function buildOrReuse(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [SCRIPT], { maxBuffer: 1 << 20 }).catch((err: unknown) => {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building ESO failed:\n${stderr.split('\n').slice(-15).join('\n')}`);
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}
