// The real `lockstep` binary as a child process for integration tests: its stdout and stderr
// go to a file (scanned afterwards for secret values), its listeners bind free loopback
// ports (learned from its log), and it is stopped with SIGTERM, then SIGKILL.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const KILL_AFTER_MS = 10_000;

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

export interface ControllerUnderTest {
  readonly logFile: string;
  /** Resolves when /readyz answers 200; rejects when the process exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** `code 1`, `signal SIGKILL`; undefined while it runs. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

export function startControllerUnderTest(opts: ControllerUnderTestOptions): ControllerUnderTest {
  const log = createWriteStream(opts.logFile, { flags: 'a', mode: 0o600 });
  const args = [
    MAIN,
    '--kubeconfig',
    opts.kubeconfigPath,
    '--controller-namespace',
    opts.controllerNamespace,
    '--metrics-bind-address',
    '127.0.0.1:0',
    '--health-probe-bind-address',
    '127.0.0.1:0',
    '--log-level',
    'debug',
    '--shutdown-timeout',
    '3000',
    ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    ...(opts.args ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  // The controller never outlives the test process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let metricsPort: number | undefined;
  let healthPort: number | undefined;
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
      if (typeof entry?.port !== 'number') continue;
      if (entry.msg === 'metrics listening') metricsPort = entry.port;
      if (entry.msg === 'health probes listening') healthPort = entry.port;
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));

  let stopping: Promise<void> | undefined;
  return {
    logFile: opts.logFile,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitReason !== undefined) {
          throw new Error(`the controller exited (${exitReason}) before it was ready; see ${opts.logFile}`);
        }
        if (healthPort !== undefined) {
          const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          if (res?.status === 200) return;
        }
        if (Date.now() > deadline) throw new Error(`the controller was not ready after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async metrics() {
      if (metricsPort === undefined) throw new Error('the controller has not opened its metrics port');
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return res.text();
    },
    exitReason: () => exitReason,
    stop() {
      stopping ??= (async () => {
        if (exitReason === undefined) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
          await exited;
          clearTimeout(timer);
        }
        await new Promise<void>((resolve) => log.end(resolve));
      })();
      return stopping;
    },
  };
}

/** Sum of a counter's samples whose labels include every given label. */
export function counterValue(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (!Object.entries(labels).every(([k, v]) => have[k] === v)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
