// Test support: a private `bao server -dev -dev-tls` for the few tests that must change the
// server itself (seal it) or need TLS. Everything else uses the shared sandbox OpenBao.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PrivateBao {
  /** https://127.0.0.1:PORT */
  addr: string;
  port: number;
  rootToken: string;
  caPem: string;
  stop(): Promise<void>;
}

function baoBinary(): string {
  const root = process.env.LOCKSTEP_ROOT ?? fileURLToPath(new URL('../../../../../', import.meta.url));
  const venv = join(root, '.venv', 'bin', 'bao');
  return existsSync(venv) ? venv : 'bao';
}

/** Two consecutive free loopback ports (dev mode listens on PORT and PORT+1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const nextFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port + 1, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (nextFree && port < 65535) return port;
  }
  throw new Error('no two consecutive free loopback ports');
}

export async function startPrivateBao(): Promise<PrivateBao> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-bao-'));
  const port = await freePortPair();
  const rootToken = `root-${port}`;
  const child: ChildProcess = spawn(
    baoBinary(),
    ['server', '-dev', '-dev-tls', `-dev-tls-cert-dir=${dir}`, `-dev-listen-address=127.0.0.1:${port}`],
    { env: { ...process.env, BAO_DEV_ROOT_TOKEN_ID: rootToken, HOME: dir }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const caFile = join(dir, 'vault-ca.pem');
    if (existsSync(caFile)) {
      const caPem = await readFile(caFile, 'utf8');
      const up = await new Promise<boolean>((resolve) => {
        const req = https.get(
          { host: '127.0.0.1', port, path: '/v1/sys/health', ca: caPem, servername: 'localhost' },
          (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          },
        );
        req.on('error', () => resolve(false));
      });
      if (up && caPem.includes('BEGIN CERTIFICATE')) {
        return { addr: `https://127.0.0.1:${port}`, port, rootToken, caPem, stop };
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('the private OpenBao did not start within 20 s');
}
