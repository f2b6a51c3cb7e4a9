import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lockstepRoot } from '../peers/binaries.ts';

/** Where etcd, kube (apiserver/controller-manager/scheduler) and kwok live, built by `make cluster`. */
export interface ControlPlaneBinaries {
  etcd: string;
  /** Multi-call: `kube kube-apiserver …`, `kube kube-controller-manager …`, `kube kube-scheduler …`. */
  kube: string;
  kwok: string;
  /** kwok's stage definitions (node heartbeat, pod ready) from its Go module. */
  kwokStages: string;
}

/**
 * The control plane binaries: $LOCKSTEP_CONTROL_PLANE_BIN when set, else the cache that
 * scripts/build-control-plane.sh fills (it builds once and prints the directory; a warm
 * cache answers at once).
 */
export async function controlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const dir = process.env.LOCKSTEP_CONTROL_PLANE_BIN ?? (await buildOrReuse());
  const bins = {
    etcd: join(dir, 'etcd'),
    kube: join(dir, 'kube'),
    kwok: join(dir, 'kwok'),
    kwokStages: join(dir, 'kwok-stages'),
  };
  const missing = Object.values(bins).filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(`control plane binaries missing: ${missing.join(', ')} (run \`make cluster\`)`);
  return bins;
}

async function buildOrReuse(): Promise<string> {
  const script = join(lockstepRoot(), 'scripts', 'build-control-plane.sh');
  // The build prints progress on stderr, which stays on the caller's terminal.
  const { stdout } = await promisify(execFile)('bash', [script], { maxBuffer: 1 << 20 }).catch((err: unknown) => {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building the Kubernetes control plane failed:\n${stderr.split('\n').slice(-15).join('\n')}`);
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}
