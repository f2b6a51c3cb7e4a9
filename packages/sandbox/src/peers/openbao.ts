import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { venvBinary } from './binaries.ts';
import { withFreePort } from './free-port.ts';
import { startPeerProcess } from './peer-process.ts';

export interface OpenBaoPeer {
  /** http://127.0.0.1:PORT */
  addr: string;
  rootToken: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface OpenBaoOptions {
  /** Where openbao.log goes. */
  logDir: string;
  /** Defaults to $LOCKSTEP_ROOT/.venv/bin/bao, else `bao` on PATH. */
  binary?: string;
  deadlineMs?: number;
}

/** `bao server -dev` on a free loopback port: in-memory, unsealed, with a random root token. */
export async function startOpenBao(opts: OpenBaoOptions): Promise<OpenBaoPeer> {
  const binary = opts.binary ?? venvBinary('bao');
  const rootToken = randomBytes(16).toString('hex');
  const logFile = join(opts.logDir, 'openbao.log');
  // Dev mode also listens on PORT+1 for cluster traffic, hence two consecutive ports.
  return withFreePort(
    async (port) => {
      const addr = `http://127.0.0.1:${port}`;
      const proc = await startPeerProcess({
        peer: 'OpenBao',
        command: binary,
        args: ['server', '-dev', '-dev-no-store-token', `-dev-listen-address=127.0.0.1:${port}`],
        // The root token goes through the environment (same as -dev-root-token-id) so it stays out of `ps`.
        env: { ...process.env, BAO_DEV_ROOT_TOKEN_ID: rootToken, HOME: opts.logDir },
        logFile,
        redact: [rootToken],
        deadlineMs: opts.deadlineMs,
        ready: async () => {
          const res = await fetch(`${addr}/v1/sys/health`, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return res.status === 200;
        },
      });
      return { addr, rootToken, logFile, stop: proc.stop };
    },
    { consecutive: 2 },
  );
}
