// An OpenBao that survives being stopped: `bao server` with integrated (raft) storage in a
// directory and a static seal key (32 random bytes in a file), so a restart finds the same data
// and unseals itself. (OpenBao 2.7 has no `file` storage any more; a one-node raft is the
// on-disk storage it ships.) The fault tests stop it, seal it and start it again on the SAME port, so the
// VaultConnection addresses the controller holds stay valid. The dev-mode OpenBao of the
// sandbox (openbao.ts) keeps everything in memory and cannot do this.

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { venvBinary } from './binaries.ts';
import { withFreePort } from './free-port.ts';
import { type OpenBaoApi, openBaoApi } from './openbao-api.ts';
import { type PeerProcess, startPeerProcess } from './peer-process.ts';

export interface DurableOpenBaoOptions {
  /** Holds the config, the seal key, the raft storage and openbao.log. */
  dir: string;
  /** Defaults to $LOCKSTEP_ROOT/.venv/bin/bao, else `bao` on PATH. */
  binary?: string;
  deadlineMs?: number;
  /** Writes OpenBao's audit log (every request and answer, secrets HMAC'd) to `<dir>/audit.log`. */
  audit?: boolean;
}

export interface DurableOpenBao {
  /** http://127.0.0.1:PORT, the same across restarts. */
  readonly addr: string;
  readonly rootToken: string;
  readonly logFile: string;
  /** The root-token client. */
  readonly api: OpenBaoApi;
  /** Whether the server process runs (it may be sealed). */
  running(): boolean;
  /** SIGTERM; resolves once the process is gone. Data stays on disk. */
  stop(): Promise<void>;
  /** Starts again on the same ports and data; resolves once unsealed and active (the static key unseals it). */
  start(): Promise<void>;
  /** `sys/seal`: stays sealed until the next start() (the static key unseals only at start-up). */
  seal(): Promise<void>;
}

/** Creates the directory's config and seal key, starts, initialises (once) and waits until unsealed. */
export async function startDurableOpenBao(opts: DurableOpenBaoOptions): Promise<DurableOpenBao> {
  const binary = opts.binary ?? venvBinary('bao');
  const storage = join(opts.dir, 'data');
  const keyFile = join(opts.dir, 'seal.key');
  const configFile = join(opts.dir, 'openbao.hcl');
  const logFile = join(opts.dir, 'openbao.log');
  await mkdir(storage, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 });

  let proc: PeerProcess | undefined;
  let rootToken = '';
  const redact = () => [rootToken].filter(Boolean);

  /** One run of the server; `ready` says when it counts as started. */
  const run = (port: number, ready: (status: number) => boolean) =>
    startPeerProcess({
      peer: 'OpenBao (durable)',
      command: binary,
      args: ['server', `-config=${configFile}`],
      env: { ...process.env, HOME: opts.dir },
      logFile,
      redact: redact(),
      deadlineMs: opts.deadlineMs,
      ready: async () => ready(await healthStatus(`http://127.0.0.1:${port}`)),
    });

  const port = await withFreePort(
    async (p) => {
      await writeFile(configFile, config(p, storage, keyFile, opts.audit ? join(opts.dir, 'audit.log') : undefined), {
        mode: 0o600,
      });
      // Uninitialised answers 501; anything from the health endpoint means it listens.
      proc = await run(p, (status) => status > 0);
      return p;
    },
    { consecutive: 2 },
  );
  const addr = `http://127.0.0.1:${port}`;

  if ((await healthStatus(addr)) === 501) {
    // Auto-unseal: sys/init answers recovery keys (unused here) and the root token.
    const init = await openBaoApi(addr).write('sys/init', { recovery_shares: 1, recovery_threshold: 1 });
    rootToken = String((init as { root_token?: unknown }).root_token ?? '');
    if (!rootToken) throw new Error(`OpenBao (durable) at ${addr}: sys/init answered no root token`);
  }
  await waitUnsealed(addr, opts.deadlineMs);

  const peer: DurableOpenBao = {
    addr,
    get rootToken() {
      return rootToken;
    },
    logFile,
    get api() {
      return openBaoApi(addr, rootToken);
    },
    running: () => proc !== undefined,
    async stop() {
      const p = proc;
      proc = undefined;
      await p?.stop();
    },
    async start() {
      if (proc) return;
      // The ports were ours a moment ago; if someone took it meanwhile, the start fails loudly.
      proc = await run(port, (status) => status === 200);
    },
    async seal() {
      await openBaoApi(addr, rootToken).write('sys/seal');
    },
  };
  return peer;
}

function config(port: number, storage: string, keyFile: string, auditFile: string | undefined): string {
  // OpenBao refuses audit devices through its API unless told otherwise: declared here.
  const audit = auditFile ? `audit "file" "test" {\n  options {\n    file_path = "${auditFile}"\n  }\n}\n` : '';
  return `${audit}
storage "raft" {
  path    = "${storage}"
  node_id = "lockstep-test"
}
listener "tcp" {
  address     = "127.0.0.1:${port}"
  tls_disable = true
}
seal "static" {
  current_key_id = "lockstep-test-1"
  current_key    = "file://${keyFile}"
}
api_addr     = "http://127.0.0.1:${port}"
cluster_addr = "http://127.0.0.1:${port + 1}"
`;
}

/** sys/health's status (200 active, 501 not initialised, 503 sealed, …); 0 when nothing answers. */
async function healthStatus(addr: string): Promise<number> {
  try {
    const res = await fetch(`${addr}/v1/sys/health`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

async function waitUnsealed(addr: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const status = await healthStatus(addr);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`OpenBao (durable) at ${addr} was not unsealed (health ${status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
