// The real `lockstep` binary as one replica for the production-operations tests: a pod name
// (its leader identity), whether it leads, and the three ways a pod ends: SIGTERM (graceful),
// SIGKILL (crash, eviction) or exiting on its own.

import { fileURLToPath } from 'node:url';
import { type LockstepExit, type LockstepProcess, startLockstepProcess } from '@lockstep/sandbox';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface ControllerPodOptions {
  kubeconfigPath: string;
  controllerNamespace: string;
  /** POD_NAME: the identity written into the leader Lease. */
  podName: string;
  logFile: string;
  /** More flags, e.g. `['--leader-elect']`. */
  args?: string[];
}

export interface ControllerPod
  extends Pick<LockstepProcess, 'logFile' | 'ready' | 'metrics' | 'exit' | 'exited' | 'kill'> {
  readonly podName: string;
  /** True once the log said `became leader`. */
  leading(): boolean;
  /** SIGTERM; resolves with how it exited (SIGKILL after `killAfterMs` so a test never hangs). */
  terminate(killAfterMs?: number): Promise<LockstepExit>;
}

export function startControllerPod(opts: ControllerPodOptions): ControllerPod {
  let leading = false;
  const child = startLockstepProcess({
    main: MAIN,
    kubeconfigPath: opts.kubeconfigPath,
    controllerNamespace: opts.controllerNamespace,
    args: ['--log-level', 'debug', ...(opts.args ?? [])],
    env: { POD_NAME: opts.podName },
    logFile: opts.logFile,
    name: opts.podName,
    onLine: (_line, entry) => {
      if (entry?.msg === 'became leader') leading = true;
    },
  });
  return {
    podName: opts.podName,
    logFile: child.logFile,
    ready: child.ready,
    metrics: child.metrics,
    exit: child.exit,
    exited: child.exited,
    kill: child.kill,
    leading: () => leading,
    terminate: (killAfterMs = 30_000) => child.stop('SIGTERM', killAfterMs),
  };
}
