// The real `lockstep` binary as a child process, for integration tests, the demo and the
// benchmarks: stdout and stderr go to a file, its listeners bind free loopback ports that it
// names in its JSON log, and it ends by a signal with SIGKILL after a grace period, so a
// caller never hangs. The caller names the entry point: the sandbox does not import the controller.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface LockstepProcessOptions {
  /** The binary's entry point: packages/controller/src/main.ts. */
  main: string;
  kubeconfigPath: string;
  controllerNamespace: string;
  /** More flags, after `--kubeconfig`, `--controller-namespace` and the loopback listeners. */
  args?: string[];
  /** Set over this process's environment. */
  env?: Record<string, string>;
  /** Node flags before the entry point, e.g. `--cpu-prof` or a heap limit. */
  nodeArgs?: string[];
  logFile: string;
  /** Start the log afresh instead of appending to it. */
  truncateLog?: boolean;
  /** Who the process is in error messages, e.g. a pod name; `lockstep` by default. */
  name?: string;
  /** Sees every stdout line, with its JSON entry when it is one. */
  onLine?: (line: string, entry: LogEntry | undefined) => void;
}

export type LogEntry = Record<string, unknown>;

export interface LockstepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LockstepProcess {
  /** Undefined when the process could not be spawned. */
  readonly pid: number | undefined;
  readonly logFile: string;
  /** From `metrics listening`; undefined until it appears. */
  metricsPort(): number | undefined;
  /** From `health probes listening`; undefined until it appears. */
  healthPort(): number | undefined;
  /** Controller names from `lockstep started`; undefined until it appears (a standby never says it). */
  controllers(): readonly string[] | undefined;
  /** Lines logged at level error or fatal (the first 50). */
  errorLines(): string[];
  /** Undefined while it runs. */
  exit(): LockstepExit | undefined;
  /** `code 1`, `signal SIGKILL`, `could not start: …`; undefined while it runs. */
  exitReason(): string | undefined;
  /** Resolves once the process has exited and its log file is closed. */
  exited(): Promise<LockstepExit>;
  /** Resolves when /readyz answers 200 (a standby is ready too); rejects when it exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Resolves once the log said `lockstep started` and the metrics port; rejects when it exits first or after `timeoutMs`. */
  started(timeoutMs?: number): Promise<void>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** Sends `signal` (each signal once), then SIGKILL after `killAfterMs`; resolves with how it exited. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<LockstepExit>;
  /** SIGKILL: no drain, no shutdown hook, as a crashed or evicted pod. */
  kill(): Promise<LockstepExit>;
}

const DEFAULT_KILL_AFTER_MS = 10_000;
const MAX_ERROR_LINES = 50;
const ERROR_LEVEL = /"level":"?(error|fatal|50|60)\b/;

export function startLockstepProcess(opts: LockstepProcessOptions): LockstepProcess {
  const name = opts.name ?? 'lockstep';
  const log = createWriteStream(opts.logFile, { flags: opts.truncateLog ? 'w' : 'a', mode: 0o600 });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      opts.main,
      '--kubeconfig',
      opts.kubeconfigPath,
      '--controller-namespace',
      opts.controllerNamespace,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '127.0.0.1:0',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  // The binary never outlives its parent, even when the parent dies without cleaning up.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let exit: LockstepExit | undefined;
  let exitReason: string | undefined;
  const ended = (e: LockstepExit, reason: string) => {
    if (exit) return;
    exit = e;
    exitReason = reason;
    process.removeListener('exit', killOnExit);
  };
  child.once('exit', (code, signal) => ended({ code, signal }, signal ? `signal ${signal}` : `code ${code}`));
  // Without a pid the binary was never spawned: 'error', then 'close', and no 'exit'.
  child.once('error', (err) => {
    if (child.pid === undefined) ended({ code: null, signal: null }, `could not start: ${err.message}`);
  });

  let metricsPort: number | undefined;
  let healthPort: number | undefined;
  let controllers: string[] | undefined;
  const errors: string[] = [];
  const onLine = (line: string) => {
    if (ERROR_LEVEL.test(line) && errors.length < MAX_ERROR_LINES) errors.push(line);
    const entry = parseLine(line);
    if (entry?.msg === 'metrics listening' && typeof entry.port === 'number') metricsPort = entry.port;
    if (entry?.msg === 'health probes listening' && typeof entry.port === 'number') healthPort = entry.port;
    if (entry?.msg === 'lockstep started' && Array.isArray(entry.controllers)) {
      controllers = entry.controllers.filter((c): c is string => typeof c === 'string');
    }
    opts.onLine?.(line, entry);
  };
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));

  // 'close' comes after 'exit' once stdout and stderr are drained: every line is in the log.
  const exited = new Promise<LockstepExit>((resolve) => {
    child.once('close', (code, signal) => {
      if (pending) onLine(pending);
      ended({ code, signal }, signal ? `signal ${signal}` : `code ${code}`);
      log.end(() => resolve(exit as LockstepExit));
    });
  });

  /** Polls `condition` until it holds; fails when the process exits first or after `timeoutMs`. */
  const until = async (
    what: string,
    condition: () => Promise<boolean> | boolean,
    timeoutMs: number,
    everyMs: number,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitReason !== undefined) {
        throw new Error(`${name} exited (${exitReason}) before it was ${what}; see ${opts.logFile}`);
      }
      if (await condition()) return;
      if (Date.now() > deadline) throw new Error(`${name} was not ${what} after ${timeoutMs} ms; see ${opts.logFile}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };

  const signalled = new Set<NodeJS.Signals>();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', killAfterMs = DEFAULT_KILL_AFTER_MS) => {
    if (exit === undefined) {
      // A second SIGTERM would cut the binary's graceful shutdown short.
      if (!signalled.has(signal)) child.kill(signal);
      signalled.add(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  return {
    pid: child.pid,
    logFile: opts.logFile,
    metricsPort: () => metricsPort,
    healthPort: () => healthPort,
    controllers: () => controllers,
    errorLines: () => [...errors],
    exit: () => exit,
    exitReason: () => exitReason,
    exited: () => exited,
    ready: (timeoutMs = 30_000) =>
      until(
        'ready',
        async () => {
          if (healthPort === undefined) return false;
          const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        timeoutMs,
        100,
      ),
    started: (timeoutMs = 60_000) =>
      until('started', () => controllers !== undefined && metricsPort !== undefined, timeoutMs, 50),
    async metrics() {
      if (metricsPort === undefined) throw new Error(`${name} has not opened its metrics port`);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) });
      return res.text();
    },
    stop,
    kill: () => stop('SIGKILL'),
  };
}

function parseLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return undefined;
  }
}
