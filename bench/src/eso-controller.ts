// ESO's controller as a child process beside the sandbox, as our controller runs in the bench
// (controller-child.ts): the admin kubeconfig instead of in-cluster RBAC, no webhook and no cert
// controller (the root command runs the reconcilers only). Resource use from /proc, ESO's own
// counters from its /metrics.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import type { ControllerChild } from './controller-child.ts';
import { readProcStats } from './proc-stats.ts';
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

export async function startEsoController(opts: EsoControllerOptions): Promise<ControllerChild> {
  const metricsPort = await freePort();
  const log = createWriteStream(opts.logFile, { flags: 'w', mode: 0o600 });
  const spawnedAt = performance.now();
  // A minimal environment: a VAULT_TOKEN inherited from the sandbox would make ESO's Vault client
  // check it on every reconcile (a token lookup the store's own tokenSecretRef does not need).
  const child = spawn(opts.binary, ['--metrics-addr', `127.0.0.1:${metricsPort}`, ...opts.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      KUBECONFIG: opts.kubeconfigPath,
      AWS_SECRETSMANAGER_ENDPOINT: opts.motoEndpoint,
    },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `code ${code}`;
      process.removeListener('exit', killOnExit);
      log.end(() => resolve());
    });
  });
  const errors: string[] = [];
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (ERROR_LEVEL.test(line) && errors.length < MAX_ERROR_LINES) errors.push(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`ESO did not start (${opts.binary})`);

  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) });
    return res.text();
  };
  // The metrics server starts with the manager, after the caches are set up.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitReason !== undefined)
      throw new Error(`ESO exited (${exitReason}) before it served /metrics; see ${opts.logFile}`);
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

  return {
    pid,
    metricsPort,
    spawnedAt,
    startedAt,
    stats: () => readProcStats(pid),
    scrape: async () => parsePrometheus(await metrics()),
    errorLines: () => [...errors],
    async stop() {
      if (exitReason === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
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
