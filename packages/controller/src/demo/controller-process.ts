// Runs the real `lockstep` binary as a child process, its JSON log going to a file. The
// demo learns from that log which kinds the binary reconciles, so a kind that is not
// wired yet is shown as such rather than as merely slow.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const log = createWriteStream(opts.logFile, { flags: 'w', mode: 0o600 });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      MAIN,
      '--kubeconfig',
      opts.kubeconfigPath,
      '--controller-namespace',
      opts.controllerNamespace,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '127.0.0.1:0',
      '--shutdown-timeout',
      '5000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  // The controller never outlives the demo, even when the demo dies without cleaning up.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let served: Set<string> | undefined;
  let metricsPort: number | undefined;
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `code ${code}`;
      process.removeListener('exit', killOnExit);
      resolve();
    });
    child.once('error', (err) => {
      exitReason = `could not start: ${err.message}`;
      resolve();
    });
  });

  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const entry = parseLine(line);
      if (entry?.msg === 'lockstep started' && Array.isArray(entry.controllers)) {
        served = new Set(entry.controllers.filter((c): c is string => typeof c === 'string'));
      }
      if (entry?.msg === 'metrics listening' && typeof entry.port === 'number') metricsPort = entry.port;
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));

  let stopping: Promise<void> | undefined;
  return {
    servedKinds: () => served,
    metricsPort: () => metricsPort,
    exitReason: () => exitReason,
    stop() {
      stopping ??= (async () => {
        if (exitReason === undefined) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        await new Promise<void>((resolve) => log.end(resolve));
      })();
      return stopping;
    },
  };
}

export function controllerLogPath(dir: string): string {
  return join(dir, 'controller.log');
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
