// The real `lockstep` binary as a child process for integration tests: its stdout and stderr
// go to a file (scanned afterwards for secret values), its listeners bind free loopback
// ports (learned from its log), and it is stopped with SIGTERM, then SIGKILL.

import { fileURLToPath } from 'node:url';
import { type LockstepProcess, startLockstepProcess } from '@lockstep/sandbox';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface ControllerUnderTestOptions {
  kubeconfigPath: string;
  controllerNamespace: string;
  logFile: string;
  /** `--namespace` values (watch scope); none means every namespace. */
  namespaces?: string[];
  /** More flags, e.g. `['--coalesce-window', '1000']`. */
  args?: string[];
  env?: Record<string, string>;
}

/** `ready()`, `metrics()`, `exitReason()`, `stop()` (SIGTERM, SIGKILL after 10 s) and the log file. */
export type ControllerUnderTest = LockstepProcess;

export function startControllerUnderTest(opts: ControllerUnderTestOptions): ControllerUnderTest {
  return startLockstepProcess({
    main: MAIN,
    kubeconfigPath: opts.kubeconfigPath,
    controllerNamespace: opts.controllerNamespace,
    args: [
      '--log-level',
      'debug',
      '--shutdown-timeout',
      '3000',
      ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
      ...(opts.args ?? []),
    ],
    env: opts.env,
    logFile: opts.logFile,
    name: 'the controller',
  });
}
