import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinDir } from './binaries.ts';
import { withFreePort } from './free-port.ts';
import { runPeerCommand, startPeerProcess } from './peer-process.ts';

export interface PostgresPeer {
  host: '127.0.0.1';
  port: number;
  /** A superuser, reachable over TCP with scram-sha-256. */
  user: 'lockstep';
  password: string;
  database: 'lockstep';
  logFile: string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  logDir: string;
  /** Defaults to the newest /usr/lib/postgresql/<major>/bin. */
  binDir?: string;
  deadlineMs?: number;
}

/** A throwaway cluster in a temp dir: initdb, then `postgres` on a free loopback port. */
export async function startPostgres(opts: PostgresOptions): Promise<PostgresPeer> {
  const binDir = opts.binDir ?? postgresBinDir();
  const logFile = join(opts.logDir, 'postgres.log');
  const password = randomBytes(18).toString('base64url');
  const owner = unprivilegedOwner();
  const base = await mkdtemp(join(tmpdir(), 'lockstep-pg-'));
  try {
    await chmod(base, 0o700);
    if (owner) await chown(base, owner.uid, owner.gid);
    const pwFile = join(base, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner) await chown(pwFile, owner.uid, owner.gid);
    const asOwner = { uid: owner?.uid, gid: owner?.gid, cwd: base, env: { ...process.env, LC_ALL: 'C' } };
    // Unix-socket logins are trusted (the socket lives in the 0700 temp dir); TCP needs the password.
    await runPeerCommand({
      peer: 'PostgreSQL',
      command: join(binDir, 'initdb'),
      args: [
        `--pgdata=${join(base, 'data')}`,
        '--username=lockstep',
        `--pwfile=${pwFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      logFile,
      deadlineMs: opts.deadlineMs,
      ...asOwner,
    });
    await rm(pwFile);

    return await withFreePort(async (port) => {
      const conn = { host: '127.0.0.1', port, user: 'lockstep', password };
      const proc = await startPeerProcess({
        peer: 'PostgreSQL',
        command: join(binDir, 'postgres'),
        args: [
          '-D',
          join(base, 'data'),
          '-p',
          String(port),
          '-k',
          base,
          '-c',
          'listen_addresses=127.0.0.1',
          // Durability is worthless for a throwaway cluster; speed is not.
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
        ],
        logFile,
        stopSignal: 'SIGINT', // fast shutdown: SIGTERM would wait for every client to leave
        redact: [password],
        deadlineMs: opts.deadlineMs,
        ...asOwner,
        ready: () => query({ ...conn, database: 'postgres' }, 'SELECT 1').then(() => true),
      });
      try {
        await query({ ...conn, database: 'postgres' }, 'CREATE DATABASE lockstep');
      } catch (err) {
        await proc.stop();
        throw err;
      }
      return {
        host: '127.0.0.1',
        port,
        user: 'lockstep',
        password,
        database: 'lockstep',
        logFile,
        stop: async () => {
          await proc.stop();
          await rm(base, { recursive: true, force: true });
        },
      };
    });
  } catch (err) {
    await rm(base, { recursive: true, force: true });
    throw err;
  }
}

async function query(config: pg.ClientConfig, sql: string): Promise<void> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2000 });
  client.on('error', () => {}); // a dropped connection must not crash the parent
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** PostgreSQL refuses to run as root: pick the `postgres` user (or `nobody`) when we are root. */
function unprivilegedOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields?.[2] && fields[3]) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root but neither a `postgres` nor a `nobody` user exists to run PostgreSQL');
}
