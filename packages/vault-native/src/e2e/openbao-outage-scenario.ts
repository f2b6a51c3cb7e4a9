// Issue 12, item 1, as a function the test and `make bench` share: OpenBao stopped for longer
// than a renewal interval but shorter than the leases' remaining TTL (nothing may expire,
// nothing may be re-issued or rewritten, renewals resume after one backoff step, no lease is
// orphaned), then stopped for longer than some leases' remaining TTL (the condition says the
// lease expired while Vault was unreachable; on return each is re-issued once and its
// Deployment restarted). An app loop logs in with the credentials throughout. Answers figures;
// the caller asserts.

import { setTimeout as sleep } from 'node:timers/promises';
import { AppLoop } from './app-loop.ts';
import { tryLogin } from './database-fixture.ts';
import { type Obj, readyOf, unique, waitFor } from './harness.ts';
import {
  compareLeases,
  credsSecret,
  eventsOf,
  failedReconciles,
  grantedAtMs,
  keyOf,
  leasesInOpenBao,
  listDynamic,
  type OutageFixture,
  remainingMs,
  secretWritesBy,
  startOutageFixture,
} from './openbao-outage-fixture.ts';

export interface OutageScenarioOptions {
  /** VaultDynamicSecrets (200 in the test, 1,000 in the bench). */
  n: number;
  /** Progress lines (console.log in the test). */
  log?: (line: string) => void;
}

/** Leases of the short outage: 60 s, renewed at 20–30 % (every 12–18 s), so ≥ 42 s remain at any time. */
export const STEADY_TTL_SECONDS = 60;
export const STEADY_RENEWAL_PERCENT = 20;
/** Longer than the longest renewal interval (18 s), shorter than the shortest remaining TTL (42 s). */
export const SHORT_OUTAGE_MS = 20_000;
/** The long outage's leases: 10 s, renewed at half. The outage lasts until each says it expired. */
const EXPIRING_TTL_SECONDS = 10;
const EXPIRING = ['exp-0', 'exp-1', 'exp-2'];
/**
 * Time a due key may wait in the work queue behind the others once its backoff ends: every
 * lease falls due while OpenBao is down, so on its return n renewals queue at once and drain at
 * the controller's rate (about 100 renewals/s on 2 cores with OpenBao and PostgreSQL beside it:
 * 10 ms each), plus 5 s.
 */
export function queueSlackMs(n: number): number {
  return 5_000 + 10 * n;
}

export interface ShortOutageFigures {
  outageMs: number;
  renewalIntervalMaxMs: number;
  minRemainingAtStopMs: number;
  /** Resources seen Ready=False (VaultUnavailable) during the outage, at most. */
  unavailableSeen: number;
  /** Per resource: OpenBao ready -> its first successful renewal. */
  resumeDelayMaxMs: number;
  resumeDelayMedianMs: number;
  /** The largest backoff a resource was waiting out when OpenBao came back. */
  pendingBackoffMaxMs: number;
  /** Resources whose first renewal came later than their pending backoff step + queueSlackMs(n). */
  lateResumes: string[];
  /** Reconciles that failed after OpenBao was ready again. */
  failuresAfterReturn: number;
  orphans: string[];
  lost: string[];
  reissued: number;
  /** What the controller said about each re-issue (LeaseRenewalRejected with Vault's answer; SecretRotated names the reason). */
  reissueEvents: string[];
  secretWrites: Record<string, number>;
}

export interface LongOutageFigures {
  outageMs: number;
  /** Ready messages while down (one per expiring resource). */
  conditions: string[];
  /** Distinct leases issued per resource after the return (each must be 1). */
  issuesAfterReturn: number[];
  secretWrites: Record<string, number>;
  /** The Deployment's restart came after its Secret's write. */
  restartAfterWrite: boolean;
  deploymentRestarts: number;
  /** The old leases still held by OpenBao once the new ones are live (must be 0). */
  oldLeasesHeld: number;
  oldCredentialsLogIn: number;
  newCredentialsLogIn: number;
  /** Superseded entries left in the ledgers after the rollout. */
  previousLeft: number;
  /** The steady resources' leases re-issued by the long outage. */
  steadyReissued: number;
}

export interface OutageFigures {
  n: number;
  namespaces: number;
  setupMs: number;
  short: ShortOutageFigures;
  long: LongOutageFigures;
  logins: number;
  /** Failed logins with a credential still in its Secret: steady resources (must be 0) and expiring ones. */
  lockedOutSteady: Array<{ secret: string; error: string }>;
  lockedOutExpiring: number;
  stale: number;
  totalMs: number;
}

export async function openBaoOutageScenario(opts: OutageScenarioOptions): Promise<OutageFigures> {
  const log = opts.log ?? (() => {});
  const startedAt = Date.now();
  const f = await startOutageFixture({
    n: opts.n,
    ttlSeconds: STEADY_TTL_SECONDS,
    renewalPercent: STEADY_RENEWAL_PERCENT,
  });
  try {
    const setupMs = Date.now() - startedAt;
    log(`openbao-outage: ${opts.n} leases in ${f.namespaces.length} namespaces synced in ${setupMs} ms`);
    const app = new AppLoop(
      f.h,
      f.dynamic.map((r) => ({ namespace: r.namespace, name: credsSecret(r.name), group: 'steady' })),
    );
    await app.start();
    let short: ShortOutageFigures;
    let long: LongOutageFigures;
    try {
      short = await shortOutage(f, log);
      long = await longOutage(f, app, log);
    } finally {
      await app.stop();
    }
    return {
      n: opts.n,
      namespaces: f.namespaces.length,
      setupMs,
      short,
      long,
      logins: app.logins,
      lockedOutSteady: app.failures('steady').map((l) => ({ secret: l.secret, error: l.error })),
      lockedOutExpiring: app.failures('expiring').length,
      stale: app.stale,
      totalMs: Date.now() - startedAt,
    };
  } finally {
    await f.teardown();
  }
}

const steadyOf = async (f: OutageFixture) => (await listDynamic(f)).filter((o) => o.metadata.name.startsWith('db-'));
const leaseIds = (objs: Obj[]) => new Map(objs.map((o) => [keyOf(o), o.status?.lockstep?.ledger?.leaseId as string]));

async function shortOutage(f: OutageFixture, log: (line: string) => void): Promise<ShortOutageFigures> {
  const before = await steadyOf(f);
  const leasesBefore = leaseIds(before);
  const sinceIso = new Date().toISOString();
  const stoppedAt = Date.now();
  const minRemainingAtStopMs = Math.min(...before.map((o) => remainingMs(o, stoppedAt) ?? 0));
  await f.bao.stop();
  log(`openbao-outage: OpenBao stopped for ${SHORT_OUTAGE_MS} ms (least remaining TTL ${minRemainingAtStopMs} ms)`);
  let unavailableSeen = 0;
  while (Date.now() < stoppedAt + SHORT_OUTAGE_MS) {
    const objs = await steadyOf(f);
    const unavailable = objs.filter((o) => readyOf(o)?.reason === 'VaultUnavailable').length;
    unavailableSeen = Math.max(unavailableSeen, unavailable);
    await sleep(Math.min(2_000, Math.max(0, stoppedAt + SHORT_OUTAGE_MS - Date.now())));
  }
  await f.bao.start();
  const readyAt = Date.now();
  const outageMs = readyAt - stoppedAt;
  log(`openbao-outage: OpenBao back after ${outageMs} ms`);

  // Every lease fell due during the outage (it outlasted the longest renewal interval): wait
  // for each one's first renewal after the return, polling faster than renewals can follow.
  const firstRenewal = new Map<string, number>();
  await waitFor(
    'every lease renewed after the return',
    async () => {
      for (const o of await steadyOf(f)) {
        const at = o.status?.lockstep?.ledger?.lastRenewedAt ? grantedAtMs(o) : undefined;
        if (at !== undefined && at > stoppedAt && !firstRenewal.has(keyOf(o))) firstRenewal.set(keyOf(o), at);
      }
      return firstRenewal.size >= before.length;
    },
    60_000,
  );
  const after = await steadyOf(f);
  const failed = (await failedReconciles(f.proc)).filter((e) => e.controller === 'VaultDynamicSecret');
  const pending = new Map<string, { untilMs: number; stepMs: number }>();
  for (const e of failed) {
    if (e.atMs < stoppedAt || e.atMs > readyAt) continue;
    pending.set(e.key, { untilMs: e.atMs + e.retryInMs, stepMs: e.retryInMs });
  }
  const delays: number[] = [];
  const lateResumes: string[] = [];
  for (const [key, at] of firstRenewal) {
    delays.push(Math.max(0, at - readyAt));
    const p = pending.get(key);
    const allowed = Math.max(readyAt, p?.untilMs ?? readyAt) + queueSlackMs(f.dynamic.length);
    if (at > allowed)
      lateResumes.push(`${key}: renewed ${at - readyAt} ms after the return, backoff step ${p?.stepMs}`);
  }
  delays.sort((a, b) => a - b);
  const listed = await leasesInOpenBao(f, f.role);
  const { orphans, lost } = compareLeases(listed, after);
  const leasesAfter = leaseIds(after);
  const reissuedKeys = [...leasesBefore].filter(([k, id]) => leasesAfter.get(k) !== id).map(([k]) => k);
  const reissueEvents = [
    ...(await eventsOf(f, reissuedKeys, 'LeaseRenewalRejected')),
    ...(await eventsOf(f, reissuedKeys, 'SecretRotated')),
  ];
  return {
    outageMs,
    renewalIntervalMaxMs: STEADY_TTL_SECONDS * 1000 * (STEADY_RENEWAL_PERCENT / 100 + 0.1),
    minRemainingAtStopMs,
    unavailableSeen,
    resumeDelayMaxMs: delays[delays.length - 1] ?? 0,
    resumeDelayMedianMs: delays[Math.floor(delays.length / 2)] ?? 0,
    pendingBackoffMaxMs: Math.max(0, ...[...pending.values()].map((p) => p.stepMs)),
    lateResumes,
    failuresAfterReturn: failed.filter((e) => e.atMs > readyAt).length,
    orphans,
    lost,
    reissued: reissuedKeys.length,
    reissueEvents,
    secretWrites: Object.fromEntries(secretWritesBy(f.h, f.namespaces, sinceIso)),
  };
}

async function longOutage(f: OutageFixture, app: AppLoop, log: (line: string) => void): Promise<LongOutageFigures> {
  const { h } = f;
  const ns = f.namespaces[0] as string;
  // A second role with short leases, in the first tenant (its policy reads creds/*).
  const role = unique('s').slice(0, 8);
  const template = (await h.bao.read(`${f.mount}/roles/${f.role}`)).data as Record<string, unknown>;
  await h.bao.write(`${f.mount}/roles/${role}`, {
    db_name: 'pg',
    creation_statements: template.creation_statements,
    revocation_statements: template.revocation_statements,
    default_ttl: `${EXPIRING_TTL_SECONDS}s`,
    max_ttl: '24h',
  });
  await h.createDeployment(ns, 'app');
  for (const [i, name] of EXPIRING.entries()) {
    await h.apply('VaultDynamicSecret', ns, name, {
      mount: f.mount,
      path: `creds/${role}`,
      renewalPercent: 50,
      revoke: true,
      destination: { name: credsSecret(name), create: true },
      ...(i === 0 ? { rolloutRestartTargets: [{ kind: 'Deployment', name: 'app' }] } : {}),
    });
  }
  const get = (name: string) => h.getObject('VaultDynamicSecret', ns, name);
  const synced = await Promise.all(
    EXPIRING.map((name) =>
      waitFor(`${name} synced`, async () => {
        const o = await get(name);
        return readyOf(o)?.status === 'True' && o?.status?.lockstep?.ledger?.leaseId ? o : undefined;
      }),
    ),
  );
  app.watch(EXPIRING.map((name) => ({ namespace: ns, name: credsSecret(name), group: 'expiring' })));
  const oldLeases = synced.map((o) => o.status.lockstep.ledger.leaseId as string);
  const oldCreds = await Promise.all(EXPIRING.map((name) => h.secretData(ns, credsSecret(name))));
  const steadyBefore = leaseIds(await steadyOf(f));

  const sinceIso = new Date().toISOString();
  const stoppedAt = Date.now();
  await f.bao.stop();
  log('openbao-outage: OpenBao stopped until the short leases say they expired');
  // Down until every expiring resource says so: the lease expired and Vault could not be reached.
  const conditions = await Promise.all(
    EXPIRING.map((name) =>
      waitFor(
        `${name} Ready=False saying its lease expired while Vault was unreachable`,
        async () => {
          const ready = readyOf(await get(name));
          return ready?.status === 'False' && /expired at .*unreachable/.test(ready.message ?? '')
            ? (ready.message as string)
            : undefined;
        },
        45_000,
      ),
    ),
  );
  await f.bao.start();
  const readyAt = Date.now();
  const outageMs = readyAt - stoppedAt;
  log(`openbao-outage: OpenBao back after ${outageMs} ms`);

  // Each re-issued; then renewed once (a later reconcile of the new lease: nothing more came).
  const issued = EXPIRING.map(() => new Set<string>());
  await waitFor(
    'each expired lease re-issued and the new one renewed',
    async () => {
      const objs = await Promise.all(EXPIRING.map(get));
      for (const [i, o] of objs.entries()) {
        const id = o?.status?.lockstep?.ledger?.leaseId;
        if (id && id !== oldLeases[i]) issued[i]?.add(id);
      }
      return objs.every(
        (o, i) =>
          readyOf(o)?.status === 'True' &&
          o?.status?.lockstep?.ledger?.leaseId !== oldLeases[i] &&
          o?.status?.lockstep?.ledger?.lastRenewedAt &&
          (o?.status?.lockstep?.ledger?.previous ?? []).length === 0,
      );
    },
    60_000,
  );
  await waitFor('the Deployment restarted', () => h.restartedAt(ns, 'app'));
  const objs = await Promise.all(EXPIRING.map(get));
  const writes = secretWritesBy(h, [ns], sinceIso);
  const requests = h.server.requests().filter((r) => r.time >= sinceIso && r.namespace === ns);
  const writeAt = requests.find(
    (r) => r.resource === 'secrets' && r.name === credsSecret('exp-0') && ['update', 'patch'].includes(r.verb),
  )?.time;
  const restarts = requests.filter((r) => r.resource === 'deployments' && r.name === 'app' && r.verb === 'patch');
  // The old leases expired while OpenBao was down; its expiration manager revokes them once it
  // has restored its leases after the restart, which takes a while under 1,000 of them.
  const stillHeld = () =>
    Promise.all(
      oldLeases.map(async (id) => (await h.bao.request('PUT', 'sys/leases/lookup', { lease_id: id })).status === 200),
    );
  let held = await stillHeld();
  for (const deadline = Date.now() + 30_000; held.some(Boolean) && Date.now() < deadline; held = await stillHeld()) {
    await sleep(1_000);
  }
  const newCreds = await Promise.all(EXPIRING.map((name) => h.secretData(ns, credsSecret(name))));
  const login = (c: Record<string, string> | undefined) => tryLogin(c?.username ?? '', c?.password ?? '');
  const oldLogins = await Promise.all(oldCreds.map(login));
  const newLogins = await Promise.all(newCreds.map(login));
  const steadyAfter = leaseIds(await steadyOf(f));
  return {
    outageMs,
    conditions,
    issuesAfterReturn: issued.map((s) => s.size),
    secretWrites: Object.fromEntries(
      [...writes].filter(([k]) => EXPIRING.some((n) => k.endsWith(`/${credsSecret(n)}`))),
    ),
    restartAfterWrite: writeAt !== undefined && restarts.length > 0 && (restarts[0]?.time ?? '') >= writeAt,
    deploymentRestarts: restarts.length,
    oldLeasesHeld: held.filter(Boolean).length,
    oldCredentialsLogIn: oldLogins.filter((l) => l === 'ok').length,
    newCredentialsLogIn: newLogins.filter((l) => l === 'ok').length,
    previousLeft: objs.reduce((n, o) => n + (o?.status?.lockstep?.ledger?.previous ?? []).length, 0),
    steadyReissued: [...steadyBefore].filter(([k, id]) => steadyAfter.get(k) !== id).length,
  };
}

/** `key: message` of the events with `reason` about the VaultDynamicSecrets `keys` (namespace/name). */
