// The real `lockstep` binary as a child process for the production-operations tests: a pod
// name (leader identity), free loopback ports learned from its JSON log, and the three ways
// a pod ends: SIGTERM (graceful), SIGKILL (crash, eviction) or exiting on its own.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface LockstepProcessOptions {
  kubeconfigPath: string;
  controllerNamespace: string;
  /** POD_NAME: the identity written into the leader Lease. */
  podName: string;
  logFile: string;
  /** More flags, e.g. `['--leader-elect']`. */
  args?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LockstepProcess {
  readonly podName: string;
  readonly logFile: string;
  /** Resolves when /readyz answers 200 (a standby is ready too); rejects when the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** True once the log said `became leader`. */
  leading(): boolean;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** Undefined while it runs. */
  exit(): Exit | undefined;
  /** Resolves when the process has exited. */
  exited(): Promise<Exit>;
  /** SIGTERM; resolves with how it exited (SIGKILL after `killAfterMs` so a test never hangs). */
  terminate(killAfterMs?: number): Promise<Exit>;
  /** SIGKILL: no drain, no release, as a crashed pod. */
  kill(): Promise<Exit>;
}

export function startLockstep(opts: LockstepProcessOptions): LockstepProcess {
  const log = createWriteStream(opts.logFile, { flags: 'a', mode: 0o600 });
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
      '--log-level',
      'debug',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POD_NAME: opts.podName } },
  );
  // The controller never outlives the test process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      process.removeListener('exit', killOnExit);
      log.end();
      resolve(exit);
    });
  });
  let metricsPort: number | undefined;
  let healthPort: number | undefined;
  let leading = false;
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const entry = parseLine(line);
      if (entry?.msg === 'became leader') leading = true;
      if (typeof entry?.port !== 'number') continue;
      if (entry.msg === 'metrics listening') metricsPort = entry.port;
      if (entry.msg === 'health probes listening') healthPort = entry.port;
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));

  const signal = async (sig: NodeJS.Signals, killAfterMs: number): Promise<Exit> => {
    if (exit) return exit;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return {
    podName: opts.podName,
    logFile: opts.logFile,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exit) throw new Error(`${opts.podName} exited (${JSON.stringify(exit)}) before ready; see ${opts.logFile}`);
        if (healthPort !== undefined) {
          const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          if (res?.status === 200) return;
        }
        if (Date.now() > deadline) throw new Error(`${opts.podName} was not ready after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    leading: () => leading,
    async metrics() {
      if (metricsPort === undefined) throw new Error(`${opts.podName} has not opened its metrics port`);
      return (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    },
    exit: () => exit,
    exited: () => exited,
    terminate: (killAfterMs = 30_000) => signal('SIGTERM', killAfterMs),
    kill: () => signal('SIGKILL', 5_000),
  };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
