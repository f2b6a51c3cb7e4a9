import { join } from 'node:path';
import { venvBinary } from './binaries.ts';
import { withFreePort } from './free-port.ts';
import { startPeerProcess } from './peer-process.ts';

export interface MotoPeer {
  /** http://127.0.0.1:PORT, the value for AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: 'testing';
  secretAccessKey: 'testing';
  logFile: string;
  stop(): Promise<void>;
  /** Clears every resource moto holds (POST /moto-api/reset). */
  reset(): Promise<void>;
}

export interface MotoOptions {
  logDir: string;
  /** Defaults to $LOCKSTEP_ROOT/.venv/bin/moto_server, else `moto_server` on PATH. */
  binary?: string;
  deadlineMs?: number;
}

export async function startMoto(opts: MotoOptions): Promise<MotoPeer> {
  const binary = opts.binary ?? venvBinary('moto_server');
  const logFile = join(opts.logDir, 'moto.log');
  return withFreePort(async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const proc = await startPeerProcess({
      peer: 'moto',
      command: binary,
      args: ['-H', '127.0.0.1', '-p', String(port)],
      // Unbuffered so the log shows the failure reason even when moto dies early.
      env: { ...process.env, PYTHONUNBUFFERED: '1', NO_COLOR: '1' },
      logFile,
      deadlineMs: opts.deadlineMs,
      ready: async () => {
        const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return res.status === 200;
      },
    });
    return {
      endpoint,
      region: 'us-east-1',
      accessKeyId: 'testing',
      secretAccessKey: 'testing',
      logFile,
      stop: proc.stop,
      reset: async () => {
        const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`moto reset answered HTTP ${res.status}`);
      },
    };
  });
}
