// What the OpenBao outage and seal tests share (issue 12, items 1 and 2a): a durable OpenBao of
// the file's own (raft storage, static seal key: it can be stopped, sealed and started again
// with its data), the harness over it, a database mount on the sandbox's PostgreSQL with one
// dynamic role, N VaultDynamicSecrets spread over tenant namespaces (10 per namespace, each
// namespace its own VaultAuth and login), a VaultStaticSecret (KV v2) and a VaultPKISecret,
// and the real `lockstep` binary as a separate process, so its view of OpenBao is real.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DurableOpenBao, type LockstepProcess, startDurableOpenBao } from '@lockstep/sandbox';
import { databaseMount } from './database-fixture.ts';
import { GROUP, type Harness, type Obj, readyOf, startHarness, VERSION, waitFor } from './harness.ts';
import { writeKvV2 } from './kv-fixture.ts';
import { lockstepProcesses } from './lease-group-fixture.ts';
import { createPkiMount } from './pki-fixture.ts';

export interface OutageFixtureOptions {
  /** VaultDynamicSecrets. */
  n: number;
  perNamespace?: number;
  /** The dynamic role's default TTL: the leases' life. */
  ttlSeconds: number;
  renewalPercent: number;
  /** Time allowed for the first sync of everything (grows with n). */
  syncTimeoutMs?: number;
}

export interface Resource {
  namespace: string;
  name: string;
}

export interface OutageFixture {
  bao: DurableOpenBao;
  h: Harness;
  /** The running controller (started with LOCKSTEP_LOG_LEVEL=debug: failed reconciles are logged with their backoff). */
  proc: LockstepProcess;
  /** Starts another `lockstep` process against the same harness. */
  procs: Awaited<ReturnType<typeof lockstepProcesses>>;
  mount: string;
  role: string;
  /** Tenant namespaces; the first also holds the VaultStaticSecret `kv` and the VaultPKISecret `cert`. */
  namespaces: string[];
  policy: string;
  dynamic: Resource[];
  kv: Resource & { secret: string };
  pki: Resource & { secret: string };
  teardown(): Promise<void>;
}

const CREDS = (name: string) => `${name}-creds`;

export async function startOutageFixture(opts: OutageFixtureOptions): Promise<OutageFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-durable-bao-'));
  // LOCKSTEP_BAO_AUDIT=1 keeps OpenBao's audit log beside its data (with LOCKSTEP_KEEP_SANDBOX) to explain a failure.
  const bao = await startDurableOpenBao({ dir, audit: process.env.LOCKSTEP_BAO_AUDIT === '1' });
  let h: Harness | undefined;
  let procs: OutageFixture['procs'] | undefined;
  let release: (() => Promise<void>) | undefined;
  const teardown = async () => {
    try {
      await release?.().catch(() => {});
      await (procs ? procs.teardown() : h?.stop());
    } finally {
      await bao.stop();
      if (!process.env.LOCKSTEP_KEEP_SANDBOX) await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    h = await startHarness({ controllers: false, bao: { addr: bao.addr, token: bao.rootToken } });
    procs = await lockstepProcesses(h);
    // A max TTL far away: renewals are granted in full, never capped, during the test.
    const { mount, role } = await databaseMount(h, { defaultTtl: `${opts.ttlSeconds}s`, maxTtl: '24h' });
    const kvMount = await h.mount('kv', 'kv', { version: '2' });
    await writeKvV2(h, kvMount, 'app/config', { username: 'app', password: 'outage-test-password' });
    const pkiMount = await createPkiMount(h);
    const policyHcl = [
      `path "${mount}/creds/*" { capabilities = ["read"] }`,
      'path "sys/leases/renew" { capabilities = ["update"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
      // Lease groups: each issue runs with a child token recorded before the issue.
      'path "auth/token/create" { capabilities = ["update"] }',
      `path "${kvMount}/data/*" { capabilities = ["read"] }`,
      `path "${pkiMount}/issue/web" { capabilities = ["update"] }`,
    ].join('\n');

    const perNamespace = opts.perNamespace ?? 10;
    const namespaces: string[] = [];
    const dynamic: Resource[] = [];
    let policy = '';
    for (let i = 0; i < Math.ceil(opts.n / perNamespace); i++) {
      const tenant = await h.createTenant(policyHcl);
      namespaces.push(tenant.namespace);
      policy = tenant.policy;
      const count = Math.min(perNamespace, opts.n - i * perNamespace);
      await Promise.all(
        Array.from({ length: count }, async (_, j) => {
          const name = `db-${j}`;
          dynamic.push({ namespace: tenant.namespace, name });
          await h?.apply('VaultDynamicSecret', tenant.namespace, name, {
            mount,
            path: `creds/${role}`,
            renewalPercent: opts.renewalPercent,
            revoke: true,
            destination: { name: CREDS(name), create: true },
          });
        }),
      );
    }
    const first = namespaces[0] as string;
    // Re-read every few seconds: the refreshes fall into every outage and must write nothing.
    await h.apply('VaultStaticSecret', first, 'kv', {
      type: 'kv-v2',
      mount: kvMount,
      path: 'app/config',
      refreshAfter: '5s',
      destination: { name: 'kv-config', create: true },
    });
    // Ten minutes: not due for rotation while the test runs.
    await h.apply('VaultPKISecret', first, 'cert', {
      mount: pkiMount,
      role: 'web',
      commonName: 'web.example.com',
      ttl: '10m',
      destination: { name: 'web-cert', create: true },
    });

    const proc = procs.start({ LOCKSTEP_LOG_LEVEL: 'debug' });
    await proc.ready(60_000);
    release = () => releaseLeases(h as Harness, namespaces, mount, proc);
    const fixture: OutageFixture = {
      bao,
      h,
      proc,
      procs,
      mount,
      role,
      namespaces,
      policy,
      dynamic,
      kv: { namespace: first, name: 'kv', secret: 'kv-config' },
      pki: { namespace: first, name: 'cert', secret: 'web-cert' },
      teardown,
    };
    await waitFor(
      `${opts.n} VaultDynamicSecrets, the VaultStaticSecret and the VaultPKISecret Ready`,
      async () => {
        const all = await listDynamic(fixture);
        const leased = all.filter((o) => readyOf(o)?.status === 'True' && o.status?.lockstep?.ledger?.leaseId);
        if (leased.length < opts.n) return undefined;
        const others = await Promise.all([
          h?.getObject('VaultStaticSecret', first, 'kv'),
          h?.getObject('VaultPKISecret', first, 'cert'),
        ]);
        return others.every((o) => readyOf(o)?.status === 'True');
      },
      opts.syncTimeoutMs ?? 60_000 + opts.n * 300,
    );
    return fixture;
  } catch (err) {
    await teardown();
    throw err;
  }
}

/**
 * Before the teardown: revokes every lease of the mount in one call (OpenBao drops the
 * PostgreSQL roles) and deletes the VaultDynamicSecrets while the controller still runs, so it
 * lifts their finalizers (a revoke of a lease already gone counts as done) instead of the
 * cluster clean-up waiting out its grace for a dead controller's finalizers.
 */
async function releaseLeases(h: Harness, namespaces: string[], mount: string, proc: LockstepProcess): Promise<void> {
  if (proc.exit() !== undefined) return;
  await h.bao.write(`sys/leases/revoke-prefix/${mount}`, { sync: true });
  const plural = 'vaultdynamicsecrets';
  await Promise.all(
    namespaces.map((namespace) =>
      h.custom.deleteCollectionNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural }),
    ),
  );
  await waitFor(
    'the VaultDynamicSecrets gone',
    async () => (await listDynamic({ h, namespaces })).length === 0,
    30_000,
  );
}

/** Every VaultDynamicSecret of the fixture's namespaces, in one LIST. */
export async function listDynamic(f: Pick<OutageFixture, 'h' | 'namespaces'>): Promise<Obj[]> {
  const list = (await f.h.custom.listClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'vaultdynamicsecrets',
  })) as {
    items: Obj[];
  };
  const mine = new Set(f.namespaces);
  return list.items.filter((o) => mine.has(o.metadata?.namespace));
}

/** `namespace/name` of an object as listed. */
export const keyOf = (o: Obj) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** The Secret of a VaultDynamicSecret. */
export const credsSecret = CREDS;

/** Lease IDs OpenBao holds for the fixture's dynamic role (root LIST). */
export async function leasesInOpenBao(f: Pick<OutageFixture, 'h' | 'mount'>, role: string): Promise<string[]> {
  const prefix = `${f.mount}/creds/${role}/`;
  return (await f.h.bao.list(`sys/leases/lookup/${prefix}`)).map((k) => prefix + k);
}

/** Leases OpenBao holds that no ledger records (orphans), and recorded live leases OpenBao no longer holds (lost). */
export function compareLeases(listed: string[], objects: Obj[]): { orphans: string[]; lost: string[] } {
  const recorded = new Set<string>();
  const live: string[] = [];
  for (const o of objects) {
    const ledger = o.status?.lockstep?.ledger;
    if (ledger?.leaseId) {
      recorded.add(ledger.leaseId);
      live.push(ledger.leaseId);
    }
    for (const p of ledger?.previous ?? []) if (p.leaseId) recorded.add(p.leaseId);
  }
  const held = new Set(listed);
  return { orphans: listed.filter((id) => !recorded.has(id)), lost: live.filter((id) => !held.has(id)) };
}

/** Writes to Secrets (create, update, patch) in `namespaces` the API server saw, by `namespace/name`. */
export function secretWritesBy(h: Harness, namespaces: string[], sinceIso = ''): Map<string, number> {
  const mine = new Set(namespaces);
  const out = new Map<string, number>();
  for (const r of h.server.requests()) {
    if (r.resource !== 'secrets' || !mine.has(r.namespace ?? '') || r.time < sinceIso || r.subresource) continue;
    if (r.verb !== 'create' && r.verb !== 'update' && r.verb !== 'patch') continue;
    const key = `${r.namespace}/${r.name}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export interface FailedReconcile {
  /** `namespace/name`. */
  key: string;
  controller: string;
  atMs: number;
  retryInMs: number;
  errorClass: string | undefined;
}

/** The controller's `reconcile failed` lines (debug level): when, which key, and the backoff it took. */
export async function failedReconciles(proc: LockstepProcess): Promise<FailedReconcile[]> {
  const text = await readFile(proc.logFile, 'utf8').catch(() => '');
  const out: FailedReconcile[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"reconcile failed"')) continue;
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      out.push({
        key: String(e.key),
        controller: String(e.controller),
        atMs: Date.parse(String(e.time)),
        retryInMs: Number(e.retryInMs ?? 0),
        errorClass: (e.error as { class?: string } | undefined)?.class,
      });
    } catch {
      // a partial last line
    }
  }
  return out;
}

/** `lockstep_provider_requests_total{provider="vault-http"}` by result: every HTTP attempt to OpenBao. */
export async function vaultAttempts(proc: LockstepProcess): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await proc.metrics()).split('\n')) {
    if (!line.startsWith('lockstep_provider_requests_total{') || !line.includes('provider="vault-http"')) continue;
    const result = /result="([^"]*)"/.exec(line)?.[1] ?? '?';
    out[result] = (out[result] ?? 0) + Number(line.split(' ').pop());
  }
  return out;
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The most recent renewal or issue of a ledger, epoch ms. */
export function grantedAtMs(o: Obj): number | undefined {
  const ledger = o.status?.lockstep?.ledger;
  const at = ledger?.lastRenewedAt ?? ledger?.issuedAt;
  return at ? Date.parse(at) : undefined;
}

/** Milliseconds left of the live lease; undefined without one. */
export function remainingMs(o: Obj, nowMs: number): number | undefined {
  const at = o.status?.lockstep?.ledger?.expiresAt;
  return at ? Date.parse(at) - nowMs : undefined;
}

/** The messages of Events with `reason` about each `namespace/name` in `keys`. */
export async function eventsOf(f: OutageFixture, keys: string[], reason: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of keys) {
    const [namespace = '', name] = key.split('/');
    const list = await f.h.core.listNamespacedEvent({ namespace, fieldSelector: `reason=${reason}` });
    for (const e of list.items) if (e.involvedObject.name === name) out.push(`${key}: ${e.message}`);
  }
  return out;
}
