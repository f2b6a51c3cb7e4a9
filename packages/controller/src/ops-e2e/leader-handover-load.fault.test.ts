// Leader handover under load (docs/reliability.md): SIGKILL the leader while it syncs 1,000
// ExternalSecrets, then again in the middle of a wave of lease renewals. The standby must finish
// the work with nothing written twice and no lease re-issued. Two replicas with leader args under
// the chart's RBAC; the audit log says what each leader wrote (both share the ServiceAccount, so
// the writes are split by time: the standby cannot write before it leads, ≥ 4 s after the kill).

import assert from 'node:assert/strict';
import { counterValue } from '../testing/counter-value.ts';
import type { ControllerPod } from './controller-pod.ts';
import {
  handoverFixtures,
  type LeaseWave,
  leaseWave,
  readyExternalSecrets,
  syncedValues,
  vdsStatuses,
} from './handover-fixtures.ts';
import { FAST_LEADER_ARGS, leaderAndStandby, type Ops, TAKEOVER_BOUND_MS, waitFor } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';
import { secretWriteRequests, succeeded, unanswered } from './secret-writes.ts';

const NAMESPACES = 10;
const PER_NAMESPACE = 100;
const TOTAL = NAMESPACES * PER_NAMESPACE;
const VDS_COUNT = 30;

opsTest(
  { suite: 'leader handover under load', file: 'handover' },
  'a standby that takes over mid-sync and mid-renewal-wave finishes the work, writes nothing twice and re-issues nothing',
  async (ops) => {
    const [a, b] = await leaderAndStandby(ops, 'lockstep-a', 'lockstep-b');

    const namespaces = await handoverDuringSync(ops, a, b);
    const c = ops.lockstep('lockstep-c', FAST_LEADER_ARGS);
    await c.ready();
    assert.equal(c.leading(), false, 'the third replica is a standby');
    await handoverDuringRenewals(ops, b, c, namespaces);
  },
);

/** Scenario 1: 1,000 ExternalSecrets; the leader is killed when a third of them are Ready. */
async function handoverDuringSync(ops: Ops, leader: ControllerPod, standby: ControllerPod): Promise<string[]> {
  const fixtures = await handoverFixtures(ops, NAMESPACES, PER_NAMESPACE);
  const startMs = Date.now();
  // Created while the leader syncs: the kill may land before the last one exists.
  const created = fixtures.createExternalSecrets(16);
  await waitFor(
    'a third of the ExternalSecrets Ready',
    async () => (await readyExternalSecrets(ops, fixtures.label)) >= TOTAL / 3,
    90_000,
  );
  const killedAt = Date.now();
  await leader.kill();
  const readyAtKill = await readyExternalSecrets(ops, fixtures.label);
  await created;
  const leadAt = await takeover(ops, standby, killedAt);

  await waitFor(
    'all 1,000 ExternalSecrets Ready',
    async () => (await readyExternalSecrets(ops, fixtures.label)) === TOTAL,
    90_000,
  );
  const doneAt = Date.now();
  // Every ExternalSecret went through the new leader's queue, the synced ones too (no write for them).
  await waitFor(
    'the new leader to reconcile every ExternalSecret',
    async () => counterValue(await standby.metrics(), 'lockstep_reconcile_total', { kind: 'ExternalSecret' }) >= TOTAL,
  );
  const values = await syncedValues(ops, fixtures);
  assert.deepEqual(values.wrong, [], 'every Secret holds its remote value');
  assert.equal(values.checked, TOTAL);

  // The standby cannot write before it leads, and leads no sooner than a lease duration after the kill.
  const splitMs = killedAt + 2_000;
  const requests = secretWriteRequests(ops, fixtures.namespaces);
  const writes = requests.filter(succeeded);
  // A create cut off by the kill (5xx: the API server stopped waiting once the client was gone)
  // may still have landed; it is the Secret's one create when no other succeeded.
  const cutOff = requests.filter(unanswered);
  const refusedCreates = requests.filter((r) => r.verb === 'create' && r.code === 409);
  const perSecret = countBy(writes, (r) => `${r.namespace}/${r.name}`);
  const createdByStandby = writes.filter((r) => r.verb === 'create' && Date.parse(r.time) >= splitMs).length;
  const updates = [...writes, ...cutOff].filter((r) => r.verb !== 'create');
  const updatesAfter = updates.filter((r) => Date.parse(r.time) >= splitMs);
  for (const r of refusedCreates) console.log(`# refused create (409): ${r.namespace}/${r.name} at ${r.time}`);
  for (const r of cutOff)
    console.log(`# ${r.verb} cut off by the kill (${r.code}): ${r.namespace}/${r.name} at ${r.time}`);
  console.log(
    `# sync handover: ${TOTAL} ExternalSecrets in ${NAMESPACES} namespaces; killed at ${readyAtKill} Ready ` +
      `(${killedAt - startMs} ms after the first create); takeover ${leadAt - killedAt} ms (kill → standby leading); ` +
      `sync finished ${doneAt - leadAt} ms after the takeover (${createdByStandby} Secrets created by the standby); ` +
      `writes per Secret max ${Math.max(...perSecret.values())}; refused creates ${refusedCreates.length}; ` +
      `writes cut off by the kill ${cutOff.length}; updates ${updates.length} (${updatesAfter.length} after the takeover)`,
  );
  assert.ok(readyAtKill < TOTAL && createdByStandby > 0, 'the kill left work for the standby');
  const cutOffCreates = new Set(cutOff.filter((r) => r.verb === 'create').map((r) => `${r.namespace}/${r.name}`));
  const uncreated = [...fixtures.expected.keys()].filter((key) => !perSecret.has(key) && !cutOffCreates.has(key));
  assert.deepEqual(uncreated.map(auditTrail(ops)), [], 'every Secret has its create in the audit log');
  assert.deepEqual(
    [...perSecret].filter(([, n]) => n !== 1),
    [],
    'no Secret was written more than once',
  );
  assert.deepEqual(updates, [], 'no Secret was updated for nothing (the data never changed)');
  assert.deepEqual(
    refusedCreates.map((r) => `${r.namespace}/${r.name}`),
    [],
    'no create was repeated (a repeat is refused with 409)',
  );
  return fixtures.namespaces;
}

/** Scenario 2: leases issued together renew together; the leader is killed in the middle of that wave. */
async function handoverDuringRenewals(
  ops: Ops,
  leader: ControllerPod,
  standby: ControllerPod,
  syncNamespaces: string[],
): Promise<void> {
  // 30 s leases renewed at 30-40 % (with jitter): the wave comes ~9-12 s after issue, and the
  // standby, leading ~5 s after the kill, still finds every lease alive: renewing is right, re-issuing is not.
  const wave: LeaseWave = await leaseWave(ops, VDS_COUNT, { ttl: '30s', renewalPercent: 30 });
  const syncWritesBefore = secretWriteRequests(ops, syncNamespaces).length;
  const issued = wave.before;
  assert.equal(wave.roles.length, VDS_COUNT, 'one database role per lease');

  const renewedCount = async () =>
    (await vdsStatuses(ops, wave.namespace)).filter((s) => s.lastRenewalTime !== undefined).length;
  const killedAt = await waitFor(
    'the renewal wave to be under way',
    async () => ((await renewedCount()) >= VDS_COUNT / 3 ? Date.now() : undefined),
    60_000,
  );
  await leader.kill();
  const renewedByOld = await renewedCount();
  const leadAt = await takeover(ops, standby, killedAt);
  // Positive signals: every lease the old leader had not renewed (or whose record the kill lost) is
  // renewed by the new one, which also went through every VaultDynamicSecret and ExternalSecret.
  const after = await waitFor(
    'the new leader to finish the wave',
    async () => {
      const all = await vdsStatuses(ops, wave.namespace);
      return all.every((s) => s.lastRenewalTime !== undefined) ? all : undefined;
    },
    60_000,
  );
  const waveDoneAt = Date.now();
  const killedAtS = Math.floor(killedAt / 1000);
  const renewedByNew = after.filter((s) => (s.lastRenewalTime ?? 0) > killedAtS + 1).length;
  await waitFor('the new leader to reconcile every VaultDynamicSecret and ExternalSecret', async () => {
    const text = await standby.metrics();
    return (
      counterValue(text, 'lockstep_reconcile_total', { kind: 'VaultDynamicSecret' }) >= VDS_COUNT &&
      counterValue(text, 'lockstep_reconcile_total', { kind: 'ExternalSecret' }) >= TOTAL
    );
  });

  const changedLeases = after.filter((s) => s.leaseId !== issued.get(s.name)?.leaseId).map((s) => s.name);
  const rolesNow = await ops.pgRoles(wave.dbRole);
  const newRoles = rolesNow.filter((r) => !wave.roles.includes(r));
  const reissues = changedLeases.length + newRoles.length;
  const rewritten = await wave.rewrittenSecrets();
  console.log(
    `# renewal handover: ${VDS_COUNT} leases (30 s TTL) renewing together; killed after ${renewedByOld} renewals; ` +
      `takeover ${leadAt - killedAt} ms (kill → standby leading); the new leader renewed ${renewedByNew} ` +
      `(wave finished ${waveDoneAt - leadAt} ms after the takeover); ` +
      `re-issues ${reissues} (leases changed ${changedLeases.length}, new database roles ${newRoles.length}); ` +
      `Secrets rewritten ${rewritten.length}`,
  );
  assert.ok(renewedByOld > 0 && renewedByOld < VDS_COUNT, 'the kill landed inside the wave');
  assert.ok(renewedByNew >= VDS_COUNT - renewedByOld, 'the new leader renewed what the old one had not');
  assert.deepEqual(changedLeases, [], 'the same leases were renewed: none was issued');
  assert.deepEqual(rolesNow.sort(), [...wave.roles].sort(), 'no new database role');
  assert.deepEqual(rewritten, [], 'no credentials Secret was written again');
  assert.deepEqual(await wave.restarts(), wave.restartsBefore, 'no rollout restart because of the handover');
  assert.equal(
    secretWriteRequests(ops, syncNamespaces).length,
    syncWritesBefore,
    'the second handover wrote none of the 1,000 synced Secrets',
  );
  assert.equal(standby.exit(), undefined, 'the new leader keeps running');
}

/** Waits for `standby` to hold the Lease (within the takeover bound) and lead; answers when it was seen leading. */
async function takeover(ops: Ops, standby: ControllerPod, killedAt: number): Promise<number> {
  await waitFor(
    `${standby.podName} to take the Lease`,
    async () => (await ops.lease())?.holderIdentity === standby.podName,
    Math.max(1, killedAt + TAKEOVER_BOUND_MS - Date.now()),
  );
  return waitFor(`${standby.podName} to lead`, () => (standby.leading() ? Date.now() : undefined));
}

/** `namespace/name` and every request the audit log holds for it, for a failure message. */
function auditTrail(ops: Ops): (key: string) => string {
  return (key) => {
    const [namespace, name] = key.split('/');
    const seen = ops.server.requests().filter((r) => r.namespace === namespace && r.name === name);
    return `${key}: ${seen.map((r) => `${r.user} ${r.verb} ${r.code} ${r.time}`).join('; ')}`;
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
