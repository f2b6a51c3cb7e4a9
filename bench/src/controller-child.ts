// The controller under test: the real `lockstep` binary as a child process, as in a cluster.
// The harness reads its resource use from /proc and its counters from /metrics.

import { fileURLToPath } from 'node:url';
import { startLockstepProcess } from '@lockstep/sandbox';
import { type ProcStats, readProcStats, readProcStatsOr } from './proc-stats.ts';
import { parsePrometheus, type Sample } from './prometheus-text.ts';

const MAIN = fileURLToPath(new URL('../../packages/controller/src/main.ts', import.meta.url));

export interface ControllerChildOptions {
  kubeconfigPath: string;
  logFile: string;
  env: Record<string, string>;
  concurrency?: number;
  /** Extra flags for the binary (e.g. --enable-generic). */
  args?: string[];
  /** Write a V8 CPU profile of the controller into this folder (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Extra Node flags for the controller (BENCH_NODE_ARGS), e.g. a heap limit or a heap profile. */
  nodeArgs?: string[];
}

export interface ControllerChild {
  pid: number;
  metricsPort: number;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  /** performance.now() when it logged `lockstep started` (informers listed, queues filled). */
  startedAt: number;
  stats(): ProcStats;
  scrape(): Promise<Sample[]>;
  /** Lines of the log that carry level error or fatal (for the report). */
  errorLines(): string[];
  /** How it exited when it did on its own (e.g. out of heap); undefined while it runs. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

export const CONTROLLER_NAMESPACE = 'lockstep-system';

export async function startControllerChild(opts: ControllerChildOptions): Promise<ControllerChild> {
  const spawnedAt = performance.now();
  const child = startLockstepProcess({
    main: MAIN,
    kubeconfigPath: opts.kubeconfigPath,
    controllerNamespace: CONTROLLER_NAMESPACE,
    args: [
      '--shutdown-timeout',
      '5000',
      ...(opts.concurrency ? ['--concurrency', String(opts.concurrency)] : []),
      ...(opts.args ?? []),
    ],
    env: opts.env,
    nodeArgs: [
      ...(opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir] : []),
      ...(opts.nodeArgs ?? []),
    ],
    logFile: opts.logFile,
    truncateLog: true,
    name: 'the controller',
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the controller did not start');
  // Ready when the informers are started and /metrics is served (the log says both).
  await child.started(60_000);
  const startedAt = performance.now();
  const metricsPort = child.metricsPort() as number;
  let last: ProcStats = readProcStats(pid);

  return {
    pid,
    metricsPort,
    spawnedAt,
    startedAt,
    // A process that died keeps its last figures (/proc forgets it), and has no /metrics.
    stats: () => {
      last = readProcStatsOr(pid, last);
      return last;
    },
    scrape: async () => (child.exitReason() === undefined ? parsePrometheus(await child.metrics()) : []),
    errorLines: child.errorLines,
    exitReason: child.exitReason,
    async stop() {
      await child.stop('SIGTERM', 20_000);
    },
  };
}
