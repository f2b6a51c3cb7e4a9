import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { openBaoOutageScenario, SHORT_OUTAGE_MS } from './openbao-outage-scenario.ts';

// Issue 12, item 1: OpenBao (durable: raft storage, static seal key) stopped and started again
// under N live dynamic database leases (200 by default; LOCKSTEP_OUTAGE_N changes it), a KV and
// a PKI secret, with the real `lockstep` binary and an app logging in with every credential
// throughout. Short outage (longer than a renewal interval, shorter than the remaining TTL):
// nothing expires, nothing is re-issued or rewritten, renewals resume within one backoff step,
// no lease is orphaned. Long outage (past some leases' TTL): the condition says the lease
// expired while Vault was unreachable; on return each is re-issued once and its Deployment
// restarted after the new Secret was written. See openbao-outage-scenario.ts.

const N = Number(process.env.LOCKSTEP_OUTAGE_N ?? 200);

test(`OpenBao down and back under ${N} live leases`, { timeout: Math.max(300_000, N * 900) }, async () => {
  const figures = await openBaoOutageScenario({ n: N, log: (line) => console.log(line) });
  console.log(`openbao-outage figures ${JSON.stringify(figures)}`);
  // `make bench` runs this test at 1,000 leases and reads the figures from here.
  if (process.env.LOCKSTEP_OUTAGE_FIGURES)
    await writeFile(process.env.LOCKSTEP_OUTAGE_FIGURES, JSON.stringify(figures));
  const { short, long } = figures;

  // The premise: longer than a renewal interval, shorter than every lease's remaining TTL.
  assert.ok(short.outageMs >= SHORT_OUTAGE_MS && short.outageMs > short.renewalIntervalMaxMs);
  assert.ok(short.outageMs < short.minRemainingAtStopMs, 'the short outage ends before any lease would expire');
  assert.ok(short.unavailableSeen > 0, 'the resources said Vault was unavailable');
  assert.deepEqual(figures.lockedOutSteady, [], 'no app was locked out with a credential still in its Secret');
  assert.ok(figures.logins > N, 'the app logged in throughout');
  assert.deepEqual(short.lateResumes, [], 'renewals resumed within one backoff step of the return');
  assert.deepEqual(short.orphans, [], 'no lease in OpenBao without a ledger');
  assert.deepEqual(short.lost, [], 'every recorded lease still in OpenBao');
  assert.equal(short.reissued, 0, 'nothing re-issued');
  assert.deepEqual(short.secretWrites, {}, 'no Secret written');

  assert.equal(long.conditions.length, 3);
  for (const m of long.conditions)
    assert.match(m, /^lease .* expired at .* could not be replaced yet: Vault at .* is unreachable/);
  assert.deepEqual(long.issuesAfterReturn, [1, 1, 1], 'each expired lease re-issued once');
  for (const [secret, writes] of Object.entries(long.secretWrites)) assert.equal(writes, 1, `${secret} written once`);
  assert.equal(Object.keys(long.secretWrites).length, 3);
  assert.equal(long.deploymentRestarts, 1);
  assert.ok(long.restartAfterWrite, 'the Deployment restarted after its Secret was written');
  assert.equal(long.oldLeasesHeld, 0, 'the expired leases are gone from OpenBao');
  assert.equal(long.oldCredentialsLogIn, 0);
  assert.equal(long.newCredentialsLogIn, 3);
  assert.equal(long.previousLeft, 0, 'nothing left awaiting revocation after the rollout');
  assert.equal(long.steadyReissued, 0, 'the long outage re-issued none of the leases it did not outlast');
});
