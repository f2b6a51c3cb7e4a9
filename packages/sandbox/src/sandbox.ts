import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type ControlPlane, startControlPlane } from './control-plane/control-plane.ts';
import { lockstepRoot } from './peers/binaries.ts';
import { type MotoPeer, startMoto } from './peers/moto.ts';
import { once } from './peers/once.ts';
import { type OpenBaoPeer, startOpenBao } from './peers/openbao.ts';
import { openBaoApi } from './peers/openbao-api.ts';
import { type PostgresPeer, startPostgres } from './peers/postgres.ts';
import { startWebhookPeer, type WebhookPeer } from './peers/webhook.ts';
import { tokenReviewerJwt } from './seed/kubernetes.ts';
import { seedMoto } from './seed/moto.ts';
import { type OpenBaoSeed, type OpenBaoSeedOptions, seedOpenBao } from './seed/openbao.ts';
import { seedWebhook } from './seed/webhook.ts';

export type PeerName = 'apiserver' | 'openbao' | 'postgres' | 'moto' | 'webhook';
export const ALL_PEERS: readonly PeerName[] = ['apiserver', 'openbao', 'postgres', 'moto', 'webhook'];

export interface SandboxOptions {
  /** Receives kubeconfig, env and the peers' logs. */
  dir: string;
  peers?: PeerName[];
  /** Seed OpenBao, moto and the webhook server with the example configuration (default true). */
  seed?: boolean;
  /** CRD directories applied to the API server; defaults to the repository's crds/. */
  crdDirs?: string[];
  /** Overrides for OpenBao seeding (mount names, TTLs). */
  openBaoSeed?: Omit<OpenBaoSeedOptions, 'postgres' | 'kubernetes'>;
  /** Startup deadline per peer. */
  deadlineMs?: number;
  /** Binary overrides (the defaults come from .venv and /usr/lib/postgresql). */
  binaries?: { bao?: string; motoServer?: string; postgresBinDir?: string };
}

export interface Sandbox {
  dir: string;
  kubeconfigPath: string | undefined;
  envPath: string;
  /** The real control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok. */
  apiServer: ControlPlane | undefined;
  openBao: OpenBaoPeer | undefined;
  postgres: PostgresPeer | undefined;
  moto: MotoPeer | undefined;
  /** The HTTPS server for the webhook provider, in this process. */
  webhook: WebhookPeer | undefined;
  seeded: {
    openBao: OpenBaoSeed | undefined;
    moto: { secretNames: string[]; parameterNames: string[] } | undefined;
    webhook: { keys: string[] } | undefined;
  };
  /** The variables a client needs: KUBECONFIG, BAO_ADDR, PGHOST, AWS_*, LOCKSTEP_WEBHOOK_*, ... */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the API server first (OpenBao's kubernetes auth points at it), then OpenBao,
 * PostgreSQL, moto and the webhook server in parallel, seeds them and writes <dir>/kubeconfig
 * and <dir>/env.
 * If anything fails, whatever started is stopped and the error names the peer.
 */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const peers = new Set(opts.peers ?? ALL_PEERS);
  const dir = opts.dir;
  await mkdir(dir, { recursive: true });
  const logDir = dir;
  const deadlineMs = opts.deadlineMs;
  const bin = opts.binaries ?? {};
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stoppers.splice(0).reverse();
    await Promise.allSettled(pending.map((stop) => stop()));
  };

  try {
    let apiServer: ControlPlane | undefined;
    let kubeconfigPath: string | undefined;
    if (peers.has('apiserver')) {
      const crdDirs = opts.crdDirs ?? defaultCrdDirs();
      apiServer = await startControlPlane({ dir: join(dir, 'control-plane'), deadlineMs, crdDirs }).catch(
        (err: unknown) => {
          throw new Error(`the Kubernetes control plane could not start: ${messageOf(err)}`, { cause: err });
        },
      );
      const started = apiServer;
      stoppers.push(() => started.stop());
      kubeconfigPath = join(dir, 'kubeconfig');
      await writeFile(kubeconfigPath, apiServer.kubeconfig(), { mode: 0o600 });
    }

    const [openBao, postgres, moto, webhook] = await settleAll(
      [
        peers.has('openbao') ? startOpenBao({ logDir, deadlineMs, binary: bin.bao }) : undefined,
        peers.has('postgres') ? startPostgres({ logDir, deadlineMs, binDir: bin.postgresBinDir }) : undefined,
        peers.has('moto') ? startMoto({ logDir, deadlineMs, binary: bin.motoServer }) : undefined,
        peers.has('webhook') ? startWebhookPeer({ dir }) : undefined,
      ] as const,
      stoppers,
    );

    const seeded: Sandbox['seeded'] = { openBao: undefined, moto: undefined, webhook: undefined };
    if (opts.seed ?? true) {
      const [baoSeed, motoSeed] = await settleAll(
        [
          openBao ? seedSandboxOpenBao(openBao, postgres, apiServer, opts.openBaoSeed) : undefined,
          moto ? seedMoto(moto).catch(rethrowAs('seeding moto failed')) : undefined,
        ] as const,
        [],
      );
      seeded.openBao = baoSeed;
      seeded.moto = motoSeed;
      seeded.webhook = webhook ? seedWebhook(webhook) : undefined;
    }

    const env = (): Record<string, string> =>
      sandboxEnv(dir, kubeconfigPath, apiServer, openBao, postgres, moto, webhook);
    const envPath = join(dir, 'env');
    await writeEnvFile(envPath, env());
    return {
      dir,
      kubeconfigPath,
      envPath,
      apiServer,
      openBao,
      postgres,
      moto,
      webhook,
      seeded,
      env,
      stop: once(stopAll),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function seedSandboxOpenBao(
  openBao: OpenBaoPeer,
  postgres: PostgresPeer | undefined,
  apiServer: ControlPlane | undefined,
  overrides: SandboxOptions['openBaoSeed'],
): Promise<OpenBaoSeed> {
  try {
    const bao = openBaoApi(openBao.addr, openBao.rootToken);
    let kubernetes: OpenBaoSeedOptions['kubernetes'];
    if (apiServer) {
      const kc = new KubeConfig();
      kc.loadFromString(apiServer.kubeconfig());
      kubernetes = {
        url: apiServer.url,
        caPem: apiServer.caPem,
        tokenReviewerJwt: await tokenReviewerJwt(kc),
        issuerUrl: apiServer.serviceAccountIssuer,
        publicKeyPem: apiServer.serviceAccountPublicKeyPem,
      };
    }
    return await seedOpenBao(bao, { ...overrides, postgres, kubernetes });
  } catch (err) {
    throw new Error(`seeding OpenBao failed: ${messageOf(err)}`, { cause: err });
  }
}

export function sandboxEnv(
  dir: string,
  kubeconfigPath: string | undefined,
  apiServer: ControlPlane | undefined,
  openBao: OpenBaoPeer | undefined,
  postgres: PostgresPeer | undefined,
  moto: MotoPeer | undefined,
  webhook?: WebhookPeer,
): Record<string, string> {
  const env: Record<string, string> = { LOCKSTEP_SANDBOX_DIR: dir };
  if (apiServer && kubeconfigPath) {
    env.KUBECONFIG = kubeconfigPath;
    env.LOCKSTEP_SANDBOX_URL = apiServer.url;
    env.LOCKSTEP_AUDIT_LOG = apiServer.auditLogPath;
    env.LOCKSTEP_CLUSTER_CA_KEY = apiServer.caKeyPath;
  }
  if (openBao) {
    env.BAO_ADDR = openBao.addr;
    env.BAO_TOKEN = openBao.rootToken;
    env.VAULT_ADDR = openBao.addr;
    env.VAULT_TOKEN = openBao.rootToken;
  }
  if (moto) {
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = moto.endpoint;
    env.AWS_ENDPOINT_URL_SSM = moto.endpoint;
    env.AWS_REGION = moto.region;
    env.AWS_ACCESS_KEY_ID = moto.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = moto.secretAccessKey;
  }
  if (postgres) {
    env.PGHOST = postgres.host;
    env.PGPORT = String(postgres.port);
    env.PGUSER = postgres.user;
    env.PGPASSWORD = postgres.password;
    env.PGDATABASE = postgres.database;
  }
  if (webhook) {
    env.LOCKSTEP_WEBHOOK_URL = webhook.url;
    env.LOCKSTEP_WEBHOOK_CA_FILE = webhook.caFile;
    env.LOCKSTEP_WEBHOOK_TOKEN = webhook.token;
  }
  return env;
}

/** `export NAME='value'` lines, for `source .sandbox/env`; the file holds secrets, so 0600. */
async function writeEnvFile(path: string, env: Record<string, string>): Promise<void> {
  const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
  const lines = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`);
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

export function defaultCrdDirs(): string[] {
  const crds = join(lockstepRoot(), 'crds');
  return existsSync(crds) ? [crds] : [];
}

/** Waits for every start; when any fails, stops the ones that started and throws all reasons. */
async function settleAll<T extends readonly (Promise<unknown> | undefined)[]>(
  starts: T,
  stoppers: (() => Promise<void>)[],
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts.map((p) => p ?? Promise.resolve(undefined)));
  for (const r of results) {
    const value = r.status === 'fulfilled' ? (r.value as { stop?: () => Promise<void> } | undefined) : undefined;
    if (typeof value?.stop === 'function') stoppers.push(value.stop);
  }
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === 1) throw failures[0]?.reason;
  if (failures.length > 1) throw new Error(failures.map((f) => messageOf(f.reason)).join('\n\n'));
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

function rethrowAs(context: string): (err: unknown) => never {
  return (err) => {
    throw new Error(`${context}: ${messageOf(err)}`, { cause: err });
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
