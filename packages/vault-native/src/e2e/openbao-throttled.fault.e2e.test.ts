import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { defaultBackoff } from '@lockstep/core';
import {
  type Fault,
  type FaultProxy,
  type FaultWindow,
  failingRequestBound,
  faults,
  type LockstepProcess,
  requestRate,
  startFaultProxy,
} from '@lockstep/sandbox';
import { defaultRetryPolicy } from '../client/retry-policy.ts';
import { tryLogin } from './database-fixture.ts';
import { GROUP, type Harness, readyOf, startHarness, VERSION, waitFor } from './harness.ts';
import { groupedDatabase, lockstepProcesses } from './lease-group-fixture.ts';

// Issue 12, item 2: OpenBao slow, resetting connections, failing with 503 and rate limiting
// with 429 + Retry-After, through a fault proxy in front of it (the controller's VaultConnection
// points at the proxy; the test's own admin client talks to OpenBao directly). Live dynamic
// database leases keep renewing through the latency; during the errors nothing is written or
// re-issued and the request rate stays within what the work queue's backoff allows; Retry-After
// holds every call of the connection; after recovery renewals resume with the same leases.

const RESOURCES = ['lease-a', 'lease-b', 'lease-c'];
/**
 * 60 s leases renewed at 10–20% of their life: a renewal every 6–12 s, and at least 48 s left
 * when one first fails, longer than the errors below plus the backoff's next retry after them.
 */
const TTL = { defaultTtl: '60s', maxTtl: '10m' };
const LATENCY_MS = 2_000;
const RETRY_AFTER_S = 3;
/** Each error window lasts at least this long, and until the controller met the fault. */
const ERROR_WINDOW_MS = 6_000;
/** Requests the proxy answers at once may still arrive this long after a 429 (already in flight). */
const IN_FLIGHT_MS = 250;

describe('OpenBao slow, resetting, failing and throttling behind a fault proxy', () => {
  let h: Harness;
  let proxy: FaultProxy;
  let namespace: string;
  let mount: string;
  let roles: Map<string, string>;
  let procs: Awaited<ReturnType<typeof lockstepProcesses>>;
  let proc: LockstepProcess;

  before(async () => {
    h = await startHarness({ controllers: false });
    proxy = await startFaultProxy({ target: h.baoAddr });
    // Every Vault call of the controller goes through the proxy.
    await h.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: h.controllerNamespace,
        plural: 'vaultconnections',
        name: 'default',
        body: { spec: { address: proxy.url } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    procs = await lockstepProcesses(h);
    ({ mount, roles, namespace } = await groupedDatabase(h, Object.fromEntries(RESOURCES.map((r) => [r, TTL])), {
      renewalPercent: 10,
    }));
    proc = procs.start();
    await proc.ready(60_000);
    for (const name of RESOURCES) {
      await waitFor(`${name} synced`, async () => readyOf(await resource(name))?.status === 'True', 60_000);
    }
  });

  after(async () => {
    await (procs ? procs.teardown() : h?.stop());
    await proxy?.close();
  });

  const resource = (name: string) => h.getObject('VaultDynamicSecret', namespace, name);
  const liveLeases = async () =>
    Promise.all(RESOURCES.map(async (r) => (await resource(r))?.status?.lockstep?.ledger?.leaseId as string));
  /** Epoch seconds of each resource's last renewal (status.lastRenewalTime). */
  const renewedAt = async () =>
    Promise.all(RESOURCES.map(async (r) => Number((await resource(r))?.status?.lastRenewalTime ?? 0)));
  /** What OpenBao itself holds for a resource's role (root LIST, straight to OpenBao). */
  const heldByOpenBao = async (name: string) => {
    const prefix = `${mount}/creds/${roles.get(name)}/`;
    return (await h.bao.list(`sys/leases/lookup/${prefix}`).catch(() => [] as string[])).map((k) => prefix + k);
  };
  const rotations = async () =>
    (await h.core.listNamespacedEvent({ namespace, fieldSelector: 'reason=SecretRotated' })).items.length;

  /** Opens a window under `fault` and holds it at least `minMs` and until the controller met the fault. */
  async function hold(label: string, fault: Fault, minMs: number): Promise<FaultWindow> {
    const w = proxy.setFault(fault, { label });
    await waitFor(
      `${label}: the controller's requests meet the fault`,
      async () => proxy.current().faulted > 0 && Date.now() - w.startMs >= minMs,
      30_000,
    );
    return w;
  }

  test('bounded retries, no writes or re-issues during the faults, renewals resume after', async () => {
    const leasesBefore = await liveLeases();
    const rotationsBefore = await rotations();
    const writesBefore = h.secretWrites(namespace);

    // Latency: every request waits 2 s; the leases are still renewed, by the same lease IDs.
    const slow = proxy.setFault(faults.latency(LATENCY_MS), { label: 'latency 2 s' });
    const since = Math.ceil(slow.startMs / 1000);
    await waitFor(
      'every lease renewed through the latency',
      async () => (await renewedAt()).every((s) => s > since),
      45_000,
    );
    assert.deepEqual(await liveLeases(), leasesBefore, 'renewed, not re-issued');

    // Errors, back to back: resets, 503, then 429 with Retry-After.
    await hold('reset', faults.reset(), ERROR_WINDOW_MS);
    await hold('503', faults.status(503, { body: '{"errors":["Vault is sealed"]}' }), ERROR_WINDOW_MS);
    const throttled = await hold(
      `429 Retry-After ${RETRY_AFTER_S}`,
      faults.status(429, { retryAfter: RETRY_AFTER_S, body: '{"errors":["request path: rate limit quota exceeded"]}' }),
      ERROR_WINDOW_MS,
    );
    const messages = await Promise.all(RESOURCES.map(async (r) => readyOf(await resource(r))));
    const writesDuringFaults = h.secretWrites(namespace) - writesBefore;
    const leasesDuringFaults = await liveLeases();

    // Recovery: every lease renewed again after the proxy passes requests through.
    const recovered = proxy.setFault(faults.pass(), { label: 'recovered' });
    const after = Math.ceil(recovered.startMs / 1000);
    await waitFor(
      'every lease renewed after recovery, Ready again',
      async () => {
        const renewed = await renewedAt();
        const ready = await Promise.all(RESOURCES.map(async (r) => readyOf(await resource(r))?.status === 'True'));
        return renewed.every((s) => s > after) && ready.every(Boolean);
      },
      60_000,
    );

    // Figures: each window's request rate against the bound the backoff allows.
    const requestsPerRun = (1 + defaultRetryPolicy.maxRetries) * 2;
    const callers = RESOURCES.length + 2; // the resources, their VaultAuth, the VaultConnection
    const windows = proxy.windows().filter((w) => w.index >= slow.index && w.index < recovered.index);
    const figures = windows.map((w) => {
      const ms = (w.endMs ?? Date.now()) - w.startMs;
      const bound = failingRequestBound({ windowMs: ms, callers, requestsPerRun, backoff: defaultBackoff });
      return {
        window: w.label,
        seconds: Number((ms / 1000).toFixed(1)),
        requests: w.requests,
        faulted: w.faulted,
        perSecond: Number(requestRate(w).toFixed(2)),
        boundPerSecond: Number(bound.perSecond.toFixed(2)),
      };
    });
    // Retry-After: after a 429, no request of the connection before the wait passed (sys/health,
    // the VaultConnection's probe, is not a call the wait holds).
    const log = proxy.requests().filter((r) => r.window === throttled.index && r.path !== '/v1/sys/health');
    const early = log.filter((r) =>
      log.some(
        (t) => t.faulted && r.atMs > t.atMs + IN_FLIGHT_MS && r.atMs < t.atMs + RETRY_AFTER_S * 1000 - IN_FLIGHT_MS,
      ),
    );
    const leasesAfter = await liveLeases();
    const reissues = (await rotations()) - rotationsBefore;
    const orphans: string[] = [];
    for (const [i, name] of RESOURCES.entries()) {
      for (const id of await heldByOpenBao(name)) if (id !== leasesAfter[i]) orphans.push(id);
    }
    const logins = await Promise.all(
      RESOURCES.map(async (r) => {
        const d = await h.secretData(namespace, `${r}-creds`);
        return d ? tryLogin(d.username as string, d.password as string) : 'missing';
      }),
    );
    const report = {
      windows: figures,
      retryAfterViolations: early.length,
      writesDuringFaults,
      reissues,
      orphans: orphans.length,
      readyDuringFaults: messages.map((m) => `${m?.status} ${m?.reason}`),
    };
    console.log(`openbao-throttled figures ${JSON.stringify(report)}`);

    for (const f of figures) {
      assert.ok(f.perSecond <= f.boundPerSecond, `${f.window}: ${f.perSecond} req/s, bound ${f.boundPerSecond}`);
    }
    assert.deepEqual(
      early.map((r) => `${r.method} ${r.path}`),
      [],
      'no request before Retry-After passed',
    );
    assert.equal(writesDuringFaults, 0, 'no Secret written while Vault failed');
    assert.deepEqual(leasesDuringFaults, leasesBefore, 'no lease replaced while Vault failed');
    assert.ok(
      messages.some((m) => m?.status === 'False' && m.reason === 'VaultThrottled'),
      'a resource says Vault is throttling',
    );
    assert.deepEqual(leasesAfter, leasesBefore, 'the same leases, renewed: re-issued none (none was due)');
    assert.equal(reissues, 0);
    assert.deepEqual(orphans, [], 'OpenBao holds only the recorded leases');
    assert.deepEqual(
      logins,
      logins.map(() => 'ok'),
      'every Secret still logs in',
    );
  });
});
