// ESO's controller as a child process beside the sandbox, as our controller runs in the bench
// (controller-child.ts): the admin kubeconfig instead of in-cluster RBAC, no webhook and no cert
// controller (the root command runs the reconcilers only). Resource use from /proc, ESO's own
// counters from its /metrics.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import type { ControllerChild } from './controller-child.ts';
import { type ProcStats, readProcStatsOr } from './proc-stats.ts';
import { parsePrometheus } from './prometheus-text.ts';

export interface EsoControllerOptions {
  binary: string;
  kubeconfigPath: string;
  /** moto's address; ESO's AWS provider reads it from AWS_SECRETSMANAGER_ENDPOINT. */
  motoEndpoint: string;
  logFile: string;
  /** Flags after the loopback metrics address, e.g. `--concurrent 10`. */
  args: string[];
}

const ERROR_LEVEL = /"level":"(error|dpanic|panic|fatal)"/;
const MAX_ERROR_LINES = 50;

/** What the kubelet waits before its first restart of a crashed container (CrashLoopBackOff). */
const RESTART_DELAY_MS = 10_000;

export interface EsoChild extends ControllerChild {
  /** Times ESO exited on its own and was started again, with the exit of each. */
  restarts(): string[];
}

export async function startEsoController(opts: EsoControllerOptions): Promise<EsoChild> {
  const metricsPort = await freePort();
  const log = createWriteStream(opts.logFile, { flags: 'w', mode: 0o600 });
  const spawnedAt = performance.now();
  const errors: string[] = [];
  const restarts: string[] = [];
  let stopping = false;
  // Resource use over every incarnation: /proc forgets a process once it exits, so the last
  // reading of each is kept (sampled every second; a crash loses at most that second).
  let earlierCpuSeconds = 0;
  let earlierPeakRssBytes = 0;
  let last: ProcStats = { peakRssBytes: 0, rssBytes: 0, cpuSeconds: 0 };

  const spawnOnce = () => {
    // A minimal environment: a VAULT_TOKEN inherited from the sandbox would make ESO's Vault
    // client check it on every reconcile (a token lookup the store's own tokenSecretRef does not need).
    const child = spawn(opts.binary, ['--metrics-addr', `127.0.0.1:${metricsPort}`, ...opts.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        KUBECONFIG: opts.kubeconfigPath,
        AWS_SECRETSMANAGER_ENDPOINT: opts.motoEndpoint,
      },
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`ESO did not start (${opts.binary})`);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let pending = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (ERROR_LEVEL.test(line) && errors.length < MAX_ERROR_LINES) errors.push(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const sampler = setInterval(() => {
      last = readProcStatsOr(pid, last);
    }, 1_000);
    const exited = new Promise<string>((resolve) => {
      child.once('close', (code, signal) => {
        clearInterval(sampler);
        process.removeListener('exit', killOnExit);
        resolve(signal ? `signal ${signal}` : `code ${code}`);
      });
    });
    return { child, pid, exited };
  };

  let current = spawnOnce();
  // As a Deployment's pod: a crash is followed by a restart (ESO's fake provider crashes under
  // --concurrent > 1; a cluster would restart it, so the bench does and reports it).
  const supervise = async (): Promise<void> => {
    for (;;) {
      const reason = await current.exited;
      if (stopping) return;
      restarts.push(reason);
      earlierCpuSeconds += last.cpuSeconds;
      earlierPeakRssBytes = Math.max(earlierPeakRssBytes, last.peakRssBytes);
      last = { peakRssBytes: 0, rssBytes: 0, cpuSeconds: 0 };
      await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      if (stopping) return;
      current = spawnOnce();
    }
  };
  const supervised = supervise().finally(() => new Promise<void>((r) => log.end(() => r())));

  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) });
    return res.text();
  };
  // The metrics server starts with the manager, after the caches are set up.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (restarts.length > 0) {
      stopping = true;
      throw new Error(`ESO exited (${restarts[0]}) before it served /metrics; see ${opts.logFile}`);
    }
    if (
      await metrics().then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`ESO served no /metrics within 60 s; see ${opts.logFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const startedAt = performance.now();

  const stats = (): ProcStats => {
    last = readProcStatsOr(current.pid, last);
    return {
      peakRssBytes: Math.max(earlierPeakRssBytes, last.peakRssBytes),
      rssBytes: last.rssBytes,
      cpuSeconds: earlierCpuSeconds + last.cpuSeconds,
    };
  };

  return {
    get pid() {
      return current.pid;
    },
    metricsPort,
    spawnedAt,
    startedAt,
    stats,
    // Between a crash and its restart there is no /metrics: ESO's own counters read as none then
    // (and start again from 0 after it); the peers' counts are whole either way.
    scrape: async () => parsePrometheus(await metrics().catch(() => '')),
    errorLines: () => [...errors],
    restarts: () => [...restarts],
    // A crash is followed by a restart: ESO never ends on its own while the bench runs it.
    exitReason: () => undefined,
    async stop() {
      stopping = true;
      // Between a crash and its restart nothing runs: the signals then go to an exited child.
      current.child.kill('SIGTERM');
      const timer = setTimeout(() => current.child.kill('SIGKILL'), 20_000);
      await current.exited;
      clearTimeout(timer);
      await supervised;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
