// The real `lockstep` binary as a child process against a harness's API server, for the tests
// that kill it mid-life (restart, SPEC §2 lease engine 5). Its output goes to a file; it binds
// free loopback ports and is ready when /readyz answers 200.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LockstepProcess as SandboxLockstepProcess, startLockstepProcess } from '@lockstep/sandbox';
import type { Harness } from './harness.ts';

const MAIN = fileURLToPath(new URL('../../../controller/src/main.ts', import.meta.url));

/** `ready()` and `kill()` (SIGKILL: no drain, no shutdown hook, as a crashed or evicted pod). */
export type LockstepProcess = Pick<SandboxLockstepProcess, 'logFile' | 'ready' | 'kill'>;

/** Writes the harness's kubeconfig to a file the binary can load; answers its path. */
export async function kubeconfigFile(h: Harness): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-e2e-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, h.server.kubeconfig(), { mode: 0o600 });
  return path;
}

/** `env`: extra environment, e.g. the test-only fault hook LOCKSTEP_TEST_CRASH_AFTER. */
export function startLockstep(
  h: Harness,
  kubeconfigPath: string,
  logFile: string,
  env: Record<string, string> = {},
): SandboxLockstepProcess {
  return startLockstepProcess({ main: MAIN, kubeconfigPath, controllerNamespace: h.controllerNamespace, logFile, env });
}
