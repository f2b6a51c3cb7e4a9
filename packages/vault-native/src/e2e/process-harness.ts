// The real `lockstep` binary as a child process against a harness's API server, for the tests
// that kill it mid-life (restart, SPEC §2 lease engine 5). Its output goes to a file; it binds
// free loopback ports and is ready when /readyz answers 200.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.ts';

const MAIN = fileURLToPath(new URL('../../../controller/src/main.ts', import.meta.url));

export interface LockstepProcess {
  readonly logFile: string;
  /** Resolves when /readyz answers 200; rejects when the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL: no drain, no shutdown hook, as a crashed or evicted pod. */
  kill(): Promise<void>;
}

/** Writes the harness's kubeconfig to a file the binary can load; answers its path. */
export async function kubeconfigFile(h: Harness): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-e2e-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, h.server.kubeconfig(), { mode: 0o600 });
  return path;
}

export function startLockstep(h: Harness, kubeconfigPath: string, logFile: string): LockstepProcess {
  const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      MAIN,
      '--kubeconfig',
      kubeconfigPath,
      '--controller-namespace',
      h.controllerNamespace,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '127.0.0.1:0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The controller never outlives the test process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `code ${code}`;
      process.removeListener('exit', killOnExit);
      resolve();
    });
  });
  let healthPort: number | undefined;
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('health probes listening')) continue;
      const entry = JSON.parse(line) as { port?: number };
      healthPort = entry.port;
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));

  return {
    logFile,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitReason !== undefined) throw new Error(`lockstep exited (${exitReason}); see ${logFile}`);
        if (healthPort !== undefined) {
          const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          if (res?.status === 200) return;
        }
        if (Date.now() > deadline) throw new Error(`lockstep was not ready after ${timeoutMs} ms; see ${logFile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      if (exitReason === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
