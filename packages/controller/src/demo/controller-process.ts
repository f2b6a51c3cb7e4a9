// Runs the real `lockstep` binary as a child process, its JSON log going to a file. The
// demo learns from that log which kinds the binary reconciles, so a kind that is not
// wired yet is shown as such rather than as merely slow.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLockstepProcess } from '@lockstep/sandbox';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const STOP_GRACE_MS = 15_000;

export interface ControllerOptions {
  kubeconfigPath: string;
  controllerNamespace: string;
  logFile: string;
  /** Extra environment, e.g. the AWS endpoint of the sandbox's moto. */
  env: Record<string, string>;
}

export interface ControllerProcess {
  /** Kinds from the `lockstep started` line; undefined until it appears. */
  servedKinds(): ReadonlySet<string> | undefined;
  metricsPort(): number | undefined;
  /** `code 1`, `signal SIGKILL`; undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGTERM (graceful: drains work, revokes nothing), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export function startController(opts: ControllerOptions): ControllerProcess {
  const child = startLockstepProcess({
    main: MAIN,
    kubeconfigPath: opts.kubeconfigPath,
    controllerNamespace: opts.controllerNamespace,
    args: ['--shutdown-timeout', '5000'],
    env: opts.env,
    logFile: opts.logFile,
    truncateLog: true,
    name: 'the controller',
  });
  let served: Set<string> | undefined;
  return {
    servedKinds() {
      const controllers = child.controllers();
      if (controllers && !served) served = new Set(controllers);
      return served;
    },
    metricsPort: child.metricsPort,
    exitReason: child.exitReason,
    async stop() {
      await child.stop('SIGTERM', STOP_GRACE_MS);
    },
  };
}

export function controllerLogPath(dir: string): string {
  return join(dir, 'controller.log');
}
