// node:test global setup for `make test`: one sandbox for the whole run. Its variables are
// put into process.env, which the runner passes on to every test process.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { defaultCrdDirs, type Sandbox, startSandbox } from '../sandbox.ts';
import type { TestClusterAccess } from './test-cluster.ts';

let sandbox: Sandbox | undefined;
let extraClusters: ControlPlane[] = [];

// End-to-end suites hold a cluster alone (each runs a cluster-wide controller) and spend most
// of their time waiting on peers, so a few clusters let them run side by side.
const DEFAULT_TEST_CLUSTERS = 3;

export async function globalSetup(): Promise<void> {
  // Reuse a running `make sandbox` when asked: LOCKSTEP_SANDBOX_ENV=.sandbox/env
  const existing = process.env.LOCKSTEP_SANDBOX_ENV;
  if (existing) {
    Object.assign(process.env, parseEnvFile(await readFile(existing, 'utf8')));
    return;
  }
  // A fresh directory per run: several runs may share a checkout.
  const base = process.env.LOCKSTEP_ROOT ? join(process.env.LOCKSTEP_ROOT, '.sandbox') : tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'test-'));
  // A failure here rejects the setup, and node's runner exits non-zero with this message.
  // Short TTLs keep leftover leases cheap; suites that test expiry seed their own roles.
  sandbox = await startSandbox({
    dir,
    openBaoSeed: { database: { dynamicRole: { defaultTtl: '5m', maxTtl: '15m' } }, tokenTtl: '15m' },
  });
  Object.assign(process.env, sandbox.env());
  const count = Number(process.env.LOCKSTEP_TEST_CLUSTERS ?? DEFAULT_TEST_CLUSTERS);
  const started = await Promise.allSettled(
    Array.from({ length: Math.max(0, count - 1) }, (_, i) =>
      startControlPlane({ dir: join(dir, `control-plane-${i + 2}`), crdDirs: defaultCrdDirs() }),
    ),
  );
  extraClusters = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw new Error(`an extra test cluster could not start: ${String(failed.reason)}`);
  const clusters: TestClusterAccess[] = [sandbox.apiServer, ...extraClusters].flatMap((cp) =>
    cp ? [{ kubeconfig: cp.kubeconfigPath, auditLog: cp.auditLogPath, caKey: cp.caKeyPath }] : [],
  );
  process.env.LOCKSTEP_E2E_CLUSTERS = JSON.stringify(clusters);
}

export async function globalTeardown(): Promise<void> {
  await Promise.allSettled(extraClusters.splice(0).map((cp) => cp.stop()));
  if (!sandbox) return;
  const { dir } = sandbox;
  await sandbox.stop();
  sandbox = undefined;
  if (!process.env.LOCKSTEP_KEEP_SANDBOX) await rm(dir, { recursive: true, force: true });
}

/** Reads the `export NAME='value'` lines the sandbox writes. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    env[m[1]] = m[2].replace(/^'|'$/g, '').replaceAll(`'\\''`, "'");
  }
  return env;
}
