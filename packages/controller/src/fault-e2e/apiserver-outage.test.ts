// Kubernetes API server and etcd down and back (docs/reliability.md). On a control plane of
// this file's own (the shared test clusters must not lose their API server), the real
// `lockstep` binary under the chart's RBAC, the shared OpenBao (its kubernetes auth reviewing
// tokens through this control plane) and PostgreSQL: stop etcd (kube-apiserver still up,
// answering errors), then kube-apiserver, for longer than the leader lease and than the
// leases' TTL; then start both on the same ports with the same data.
//
// Two deployments: the chart's default (two replicas, leader election with the binary's
// default timings) and one replica without leader election. "Leases keep renewing from
// memory" holds only for the second: a leader that cannot renew its Lease stops acting (it
// exits) before another replica may lead, so its Vault leases simply run on their TTL until
// the next leader renews them. docs/reliability.md says so.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ControlPlane, dedicatedTestCluster, startControlPlane } from '@lockstep/sandbox';
import { LEADER_ELECTION_DEFAULTS } from '../leader/leader-elector.ts';
import type { ControllerPod } from '../ops-e2e/controller-pod.ts';
import { dynamicSecret, type Ops, startOps, VAULT, waitFor, waitReady } from '../ops-e2e/ops-harness.ts';
import { EXTERNAL, externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';
import {
  controlPlaneOutage,
  leaseRenewals,
  type Outage,
  queuesIdle,
  reconcilesByKind,
  secretWritesSince,
} from './control-plane-outage.ts';

const CRDS = fileURLToPath(new URL('../../../../crds', import.meta.url));
const LEASE_MS = LEADER_ELECTION_DEFAULTS.leaseDurationMs;

interface Workload {
  namespace: string;
  dbRole: string;
  vds: string[];
  es: string[];
}

/** VaultDynamicSecrets on their own database role, and fake-store ExternalSecrets that refresh hourly (only events move them). */
async function workload(ops: Ops, ttl: string, renewalPercent: number): Promise<Workload> {
  const { db, namespace } = await ops.databaseTenant({ defaultTtl: ttl, maxTtl: '10m' });
  const vds = ['creds-0', 'creds-1', 'creds-2'];
  const es = Array.from({ length: 8 }, (_, i) => `app-${i}`);
  for (const [i, name] of vds.entries()) {
    const obj = dynamicSecret(namespace, db, { renewalPercent, destination: { name: `db-creds-${i}`, create: true } });
    await ops.create({ ...obj, metadata: { name, namespace } });
  }
  await ops.create(secretStore(namespace, 'fake', { fake: { data: [{ key: 'k', value: `v-${namespace}` }] } }));
  for (const name of es) {
    await ops.create(
      externalSecret(namespace, name, {
        refreshInterval: '1h',
        secretStoreRef: { name: 'fake' },
        target: { name },
        data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
      }),
    );
  }
  return { namespace, dbRole: db.role, vds, es };
}

async function allReady(ops: Ops, w: Workload): Promise<void> {
  for (const name of w.es) await waitReady(ops, EXTERNAL, 'ExternalSecret', w.namespace, name, 60_000);
  for (const name of w.vds) await waitReady(ops, VAULT, 'VaultDynamicSecret', w.namespace, name, 60_000);
}

async function leaseIds(ops: Ops, w: Workload): Promise<string[]> {
  const ids: string[] = [];
  for (const name of w.vds)
    ids.push((await ops.get(VAULT, 'VaultDynamicSecret', w.namespace, name))?.status.secretLease.id);
  return ids;
}

/** Every Secret the workload owns: its data and resourceVersion (a rewrite, even of equal data, changes the latter). */
async function secrets(ops: Ops, w: Workload): Promise<Record<string, { data: unknown; resourceVersion?: string }>> {
  const names = [...w.vds.map((_, i) => `db-creds-${i}`), ...w.es];
  const out: Record<string, { data: unknown; resourceVersion?: string }> = {};
  for (const name of names) {
    const s = await ops.core.readNamespacedSecret({ namespace: w.namespace, name });
    out[name] = { data: s.data, resourceVersion: s.metadata?.resourceVersion };
  }
  return out;
}

interface VaultLease {
  ttl: number;
  lastRenewal: string | undefined;
}

async function lookupLease(ops: Ops, id: string): Promise<VaultLease | undefined> {
  try {
    const res = (await ops.bao.write('sys/leases/lookup', { lease_id: id })) as {
      data?: { ttl?: number; last_renewal?: string | null };
    };
    return { ttl: res.data?.ttl ?? 0, lastRenewal: res.data?.last_renewal ?? undefined };
  } catch {
    return undefined; // revoked or expired
  }
}

async function logLine(pod: ControllerPod, msgPrefix: string): Promise<{ time: string } | undefined> {
  for (const line of (await readFile(pod.logFile, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; time?: string };
    if (entry.msg?.startsWith(msgPrefix) && entry.time) return { time: entry.time };
  }
  return undefined;
}

/**
 * Reconciles after return may not exceed one per object of the kind, plus the lease renewals
 * that fell due, plus a quarter for objects whose watch event (the relist after the return, a
 * managed Secret's) arrived while they reconciled and so run once more; a storm, every object
 * reconciled again, is twice the objects. `bounded` names the kinds held to it (the others are
 * printed).
 */
function assertNoReconcileStorm(
  counts: { before: Map<string, number>; after: Map<string, number> },
  objects: Record<string, number>,
  renewalsAfter: number,
  bounded: (kind: string) => boolean,
  log: (line: string) => void,
): void {
  for (const [kind, total] of counts.after) {
    const delta = total - (counts.before.get(kind) ?? 0);
    const n = objects[kind] ?? 0;
    const bound = n + Math.ceil(n / 4) + (kind === 'VaultDynamicSecret' ? renewalsAfter : 0);
    log(`reconciles after return: ${kind} ${delta} (${objects[kind] ?? 0} objects, bound ${bound})`);
    if (bounded(kind))
      assert.ok(delta <= bound, `${kind}: ${delta} reconciles after the API server returned, more than ${bound}`);
  }
}

/**
 * No request refused under the chart's RBAC, but in the first seconds after kube-apiserver
 * restarted: its RBAC authorizer answers 403 until its own informers have synced.
 */
function assertChartRbacSufficed(ops: Ops, outage: Outage, sinceMs: number, log: (line: string) => void): void {
  const settledMs = outage.backMs + 10_000;
  // This scenario's requests only: the first one's restart window is not this one's.
  const refused = ops.forbiddenRequests().filter((r) => Date.parse(r.time) >= sinceMs);
  const atRestart = refused.filter((r) => Date.parse(r.time) >= outage.restartMs && Date.parse(r.time) < settledMs);
  log(`403s from the restarted kube-apiserver before its authorizer synced: ${atRestart.length}`);
  const others = refused.filter((r) => !atRestart.includes(r)).map((r) => `${r.verb} ${r.resource} ${r.name ?? ''}`);
  assert.deepEqual(others, [], "requests of the controller the API server refused (the chart's RBAC)");
}

async function countObjects(ops: Ops): Promise<Record<string, number>> {
  const plural: Record<string, [string, string, string]> = {
    ExternalSecret: ['external.lockstep.dev', 'v1', 'externalsecrets'],
    SecretStore: ['external.lockstep.dev', 'v1', 'secretstores'],
    VaultDynamicSecret: ['vault.lockstep.dev', 'v1beta1', 'vaultdynamicsecrets'],
    VaultAuth: ['vault.lockstep.dev', 'v1beta1', 'vaultauths'],
    VaultConnection: ['vault.lockstep.dev', 'v1beta1', 'vaultconnections'],
  };
  const counts: Record<string, number> = {};
  for (const [kind, [group, version, p]] of Object.entries(plural)) {
    const list = (await ops.custom.listClusterCustomObject({ group, version, plural: p })) as { items: unknown[] };
    counts[kind] = list.items.length;
  }
  return counts;
}

describe('Kubernetes API server and etcd down and back', { concurrency: false }, () => {
  let dir: string;
  let cp: ControlPlane;
  let ops: Ops;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-apiserver-outage-'));
    const t0 = Date.now();
    cp = await startControlPlane({ dir, crdDirs: [CRDS] });
    console.log(
      `dedicated control plane (etcd, kube-apiserver, kcm, scheduler, kwok, CRDs) started in ${Date.now() - t0} ms`,
    );
    ops = await startOps('apiout', { cluster: async () => dedicatedTestCluster(cp) });
  });
  after(async () => {
    try {
      // A scenario that failed mid-outage: the leak scan and the cleanup need the API server.
      await cp?.component('etcd').start();
      await cp?.component('kube-apiserver').start();
      await ops?.stop();
    } finally {
      await cp?.stop();
      if (!process.env.LOCKSTEP_KEEP_E2E) await rm(dir, { recursive: true, force: true });
    }
  });

  test('chart default (two replicas, leader election): the leader stops before its Lease could pass, one leader after, no Secret lost or rewritten', async (t) => {
    const startedMs = Date.now();
    const log = (line: string) => t.diagnostic(line);
    // The lease outlives the outage (renewals every ~13 s): whoever leads after renews the same lease.
    const w = await workload(ops, '45s', 30);
    const a = ops.lockstep('lockstep-a', ['--leader-elect']);
    await a.ready();
    await waitFor('lockstep-a to lead', () => a.leading());
    const b = ops.lockstep('lockstep-b', ['--leader-elect']);
    const pods = [a, b];
    t.after(() => Promise.all(pods.map((p) => p.terminate())));
    await b.ready();
    assert.equal(b.leading(), false, 'the second replica is a standby');
    await allReady(ops, w);
    const ids = await leaseIds(ops, w);
    const roles = await ops.pgRoles(w.dbRole);
    const before = await secrets(ops, w);

    // a's renewals of the Lease as the API server stores them, until the outage starts.
    let lastRenewMs = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const lease = await ops.lease().catch(() => undefined);
        if (lease?.holderIdentity === 'lockstep-a' && lease.renewTime)
          lastRenewMs = Math.max(lastRenewMs, new Date(lease.renewTime).getTime());
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await waitFor('a renewal of the Lease by lockstep-a', () => lastRenewMs > 0);
    watching = false;
    await watcher;

    const outage = await controlPlaneOutage(cp, ops.kc, {
      what: 'the leader to exit and the outage to outlast the leader lease',
      until: () => a.exit() !== undefined && Date.now() - lastRenewMs > LEASE_MS,
    });
    log(`outage ${outage.backMs - outage.startMs} ms; kube-apiserver without etcd answered: ${outage.withoutEtcd}`);

    // The leader stopped acting (logged, exited) before its Lease could be taken.
    assert.deepEqual(a.exit(), { code: 1, signal: null }, 'the leader that could not renew exits');
    const lost = await logLine(a, 'lost the leader lease');
    assert.ok(lost, 'the leader logged that it lost the lease');
    const lostMs = Date.parse(lost.time);
    const expiresMs = lastRenewMs + LEASE_MS;
    log(`lost the leader lease ${expiresMs - lostMs} ms before the Lease could pass (renewTime + ${LEASE_MS} ms)`);
    assert.ok(lostMs < expiresMs, 'the leader gave up before its Lease expired');

    // The standby leads, after the old leader stopped; the old one, restarted as its pod would be, stands by.
    await waitFor('lockstep-b to take the Lease', async () => (await ops.lease())?.holderIdentity === 'lockstep-b');
    await waitFor('lockstep-b to lead', () => b.leading());
    const became = await logLine(b, 'became leader');
    assert.ok(became && Date.parse(became.time) > lostMs, 'the new leader began after the old one stopped');
    log(`lockstep-b led ${Date.parse(became.time) - outage.backMs} ms after the API server returned`);
    const a2 = ops.lockstep('lockstep-a', ['--leader-elect']);
    pods.push(a2);
    await a2.ready();
    assert.equal(a2.leading(), false, 'the restarted replica is a standby');
    assert.equal((await ops.lease())?.holderIdentity, 'lockstep-b', 'exactly one leader');

    // The new leader renews the same leases and rewrites nothing.
    for (const name of w.vds) {
      await waitFor(`${name} renewed by the new leader`, async () => {
        const o = await ops.get(VAULT, 'VaultDynamicSecret', w.namespace, name);
        return (o?.status?.lastRenewalTime ?? 0) * 1000 >= outage.backMs - 1000;
      });
    }
    assert.deepEqual(await leaseIds(ops, w), ids, 'the same leases: none re-issued');
    assert.deepEqual(await ops.pgRoles(w.dbRole), roles, 'no new database role');
    for (const id of ids) assert.ok((await lookupLease(ops, id))?.ttl, `lease ${id} is alive in OpenBao`);
    await waitFor('the new leader to be idle', async () => queuesIdle(await b.metrics()));
    assert.deepEqual(
      await secrets(ops, w),
      before,
      'every Secret is there, unchanged (same data, same resourceVersion)',
    );
    const writes = secretWritesSince(ops.controllerRequests(), w.namespace, outage.startMs);
    assert.deepEqual(writes, [], 'no Secret written since the outage began');
    // The new leader starts from a fresh list: one reconcile per object, plus renewals that fell due.
    const metrics = await b.metrics();
    assertNoReconcileStorm(
      { before: new Map(), after: reconcilesByKind(metrics) },
      await countObjects(ops),
      leaseRenewals(metrics),
      (kind) => kind === 'ExternalSecret',
      log,
    );
    assertChartRbacSufficed(ops, outage, startedMs, log);
  });

  test('one replica without leader election: leases keep renewing from memory, informers resume without a re-reconcile storm', async (t) => {
    const startedMs = Date.now();
    const log = (line: string) => t.diagnostic(line);
    // The outage outlasts the TTL: each lease survives only if it is renewed during the outage.
    const ttlMs = 12_000;
    const w = await workload(ops, '12s', 50);
    const c = ops.lockstep('lockstep-solo');
    t.after(() => c.terminate());
    await c.ready();
    await allReady(ops, w);
    const ids = await leaseIds(ops, w);
    const roles = await ops.pgRoles(w.dbRole);
    const before = await secrets(ops, w);

    // OpenBao's own view of each lease during the outage: a renewal there came from the controller's memory.
    const renewedDuring = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
    let startMs = Date.now();
    const sample = async () => {
      for (const id of ids) {
        const last = (await lookupLease(ops, id))?.lastRenewal;
        if (last && Date.parse(last) > startMs) renewedDuring.get(id)?.add(last);
      }
    };
    let atReturn = new Map<string, number>();
    let renewalsAtReturn = 0;
    startMs = Date.now();
    t.after(() =>
      log(
        `OpenBao last_renewal values after the outage began: ${JSON.stringify([...renewedDuring].map(([id, v]) => [id.slice(-8), [...v]]))}`,
      ),
    );
    const outage = await controlPlaneOutage(cp, ops.kc, {
      what: 'the outage to outlast the lease TTL, with every lease renewed in OpenBao meanwhile',
      timeoutMs: 45_000,
      until: async () => {
        await sample();
        return Date.now() - startMs > ttlMs + 3_000 && [...renewedDuring.values()].every((s) => s.size > 0);
      },
      beforeReturn: async () => {
        const m = await c.metrics();
        atReturn = reconcilesByKind(m);
        renewalsAtReturn = leaseRenewals(m);
      },
    });
    const renewals = [...renewedDuring.values()].map((s) => s.size);
    log(`outage ${outage.backMs - outage.startMs} ms (lease TTL ${ttlMs} ms); without etcd: ${outage.withoutEtcd}`);
    log(`renewals seen in OpenBao during the outage, per lease: ${renewals.join(', ')}`);

    // The watch resumes: an object created after the return is served.
    await ops.create(
      externalSecret(w.namespace, 'sentinel', {
        refreshInterval: '1h',
        secretStoreRef: { name: 'fake' },
        target: { name: 'sentinel' },
        data: [{ secretKey: 'value', remoteRef: { key: 'k' } }],
      }),
    );
    await waitReady(ops, EXTERNAL, 'ExternalSecret', w.namespace, 'sentinel', 60_000);
    log(`a new ExternalSecret was synced ${Date.now() - outage.backMs} ms after the API server returned`);
    // What the outage kept in memory reaches the status once the API server answers.
    for (const name of w.vds) {
      await waitFor(`${name} to record a renewal made during the outage`, async () => {
        const o: Obj | undefined = await ops.get(VAULT, 'VaultDynamicSecret', w.namespace, name);
        return (o?.status?.lastRenewalTime ?? 0) * 1000 >= outage.startMs;
      });
    }
    await waitFor('the controller to be idle', async () => queuesIdle(await c.metrics()));

    assert.equal(c.exit(), undefined, 'the controller kept running through the outage');
    assert.deepEqual(await leaseIds(ops, w), ids, 'the same leases: none expired, none re-issued');
    assert.deepEqual(await ops.pgRoles(w.dbRole), roles, 'no new database role');
    for (const id of ids) assert.ok((await lookupLease(ops, id))?.ttl, `lease ${id} is alive in OpenBao`);
    assert.deepEqual(
      await secrets(ops, w),
      before,
      'every Secret is there, unchanged (same data, same resourceVersion)',
    );
    const writes = secretWritesSince(ops.controllerRequests(), w.namespace, outage.startMs);
    assert.deepEqual(writes, ['create sentinel'], 'no Secret written since the outage began but the new one');
    const metrics = await c.metrics();
    assertNoReconcileStorm(
      { before: atReturn, after: reconcilesByKind(metrics) },
      await countObjects(ops),
      leaseRenewals(metrics) - renewalsAtReturn,
      // Leased kinds also record what they kept in memory, and each status patch echoes back.
      (kind) => kind !== 'VaultDynamicSecret',
      log,
    );
    assertChartRbacSufficed(ops, outage, startedMs, log);
  });
});
