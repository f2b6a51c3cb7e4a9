import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LeaseLedger, type PreviousLease, seededRandom } from '@lockstep/core';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';

const T0 = Date.UTC(2026, 0, 1);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

function lease(overrides: Partial<LeaseLedger> = {}): LeaseLedger {
  return {
    leaseId: 'database/creds/app/1',
    issuedAt: iso(0),
    ttlSeconds: 3600,
    renewable: true,
    expiresAt: iso(3600),
    tokenAccessor: 'acc-1',
    rotationId: 'rot1',
    previous: [],
    ...overrides,
  };
}

function input(overrides: Partial<LeaseDecisionInput> = {}): LeaseDecisionInput {
  return { ledger: lease(), now: at(0), jitter: 0, hasTargets: false, ...overrides };
}

function prev(overrides: Partial<PreviousLease> = {}): PreviousLease {
  return {
    leaseId: 'database/creds/app/0',
    issuedAt: iso(-3000),
    ttlSeconds: 3600,
    renewable: false,
    expiresAt: iso(600),
    supersededAt: iso(0),
    state: 'AwaitingRollout',
    ...overrides,
  };
}

describe('lease decision', () => {
  test('a resource without a ledger issues its first credential', () => {
    assert.deepEqual(decideLease(input({ ledger: undefined })).action, { kind: 'Issue', reason: 'InitialSync' });
  });

  test('renews at renewalPercent of the lease duration plus bounded jitter', () => {
    // jitter 0: exactly at 67% of 3600 s.
    assert.deepEqual(decideLease(input({ now: at(100) })).action, { kind: 'Wait', until: at(2412) });
    assert.deepEqual(decideLease(input({ now: at(2412) })).action, {
      kind: 'Renew',
      reason: 'LeaseRenewalDue',
      leaseId: 'database/creds/app/1',
      incrementSeconds: 3600,
      dueAt: at(2412),
    });
    const random = seededRandom(7);
    for (const percent of [10, 50, 67, 85, 90]) {
      for (let i = 0; i < 200; i++) {
        const plan = decideLease(input({ now: at(1), renewalPercent: percent, jitter: random.random() }));
        assert.equal(plan.action.kind, 'Wait');
        const until = (plan.action.kind === 'Wait' ? plan.action.until : undefined)?.getTime() ?? 0;
        const fraction = (until - T0) / 3_600_000;
        assert.ok(fraction >= percent / 100, `renews no earlier than ${percent}%`);
        assert.ok(fraction <= Math.min(0.9, percent / 100 + 0.1) + 1e-9, `jitter never passes 90% (${fraction})`);
        assert.deepEqual(plan.next, until === 0 ? undefined : new Date(until));
      }
    }
  });

  test('a renewed lease counts its next renewal from the renewal', () => {
    const ledger = lease({ lastRenewedAt: iso(2412), expiresAt: iso(6012) });
    assert.deepEqual(decideLease(input({ ledger, now: at(2413) })).action, { kind: 'Wait', until: at(4824) });
  });

  test('a non-renewable lease is re-issued at renewalPercent', () => {
    const ledger = lease({ renewable: false });
    assert.deepEqual(decideLease(input({ ledger, now: at(1) })).action, { kind: 'Wait', until: at(2412) });
    assert.deepEqual(decideLease(input({ ledger, now: at(2412) })).action, { kind: 'Issue', reason: 'NotRenewable' });
  });

  test('a capped renewal is replaced at renewalPercent of its remaining life, before it expires', () => {
    // Renewed at 9000 s, Vault granted only 1800 s of the 3600 asked (max TTL).
    const ledger = lease({ renewable: false, lastRenewedAt: iso(9000), ttlSeconds: 1800, expiresAt: iso(10800) });
    assert.deepEqual(decideLease(input({ ledger, now: at(9001), renewalPercent: 50 })).action, {
      kind: 'Wait',
      until: at(9900),
    });
    assert.deepEqual(decideLease(input({ ledger, now: at(9900), renewalPercent: 50 })).action, {
      kind: 'Issue',
      reason: 'LeaseCapped',
    });
  });

  test('a spec change re-issues at once', () => {
    const plan = decideLease(input({ now: at(5), generation: 3, lastGeneration: 2 }));
    assert.deepEqual(plan.action, { kind: 'Issue', reason: 'SpecChanged' });
    assert.deepEqual(plan.next, at(5));
  });

  test('a deleted or edited destination re-issues at once instead of renewing or waiting', () => {
    for (const destination of ['Missing', 'Drifted'] as const) {
      const waiting = decideLease(input({ now: at(5), destination }));
      assert.deepEqual(waiting.action, { kind: 'Issue', reason: 'TargetDrifted' }, destination);
      assert.deepEqual(waiting.next, at(5));
      const renewing = decideLease(input({ now: at(3000), destination }));
      assert.deepEqual(renewing.action, { kind: 'Issue', reason: 'TargetDrifted' }, destination);
    }
    assert.deepEqual(decideLease(input({ now: at(5), destination: 'InSync' })).action.kind, 'Wait');
    assert.deepEqual(decideLease(input({ now: at(5), destination: 'Unknown' })).action.kind, 'Wait');
  });

  test('a re-issue due for its own reason keeps that reason when the destination drifted too', () => {
    const plan = decideLease(input({ now: at(5), generation: 3, lastGeneration: 2, destination: 'Missing' }));
    assert.deepEqual(plan.action, { kind: 'Issue', reason: 'SpecChanged' });
    assert.deepEqual(decideLease(input({ now: at(3600), destination: 'Drifted' })).action, {
      kind: 'Issue',
      reason: 'LeaseExpired',
    });
  });

  test('a lease that expired while the controller was away is re-issued', () => {
    assert.deepEqual(decideLease(input({ now: at(3600) })).action, { kind: 'Issue', reason: 'LeaseExpired' });
  });

  test('revokes the previous lease only after the rollout finished', () => {
    const ledger = lease({ previous: [prev()] });
    const base = { ledger, now: at(30), hasTargets: true };
    const progressing = decideLease(input({ ...base, rollout: { state: 'Progressing', rotationId: 'rot1' } }));
    assert.deepEqual(progressing.revokePrevious, []);
    assert.deepEqual(progressing.next, at(40), 'polls the rollout');
    const olderRotation = decideLease(input({ ...base, rollout: { state: 'Complete', rotationId: 'rot0' } }));
    assert.deepEqual(olderRotation.revokePrevious, [], 'a finished rollout of the previous rotation does not count');
    assert.deepEqual(olderRotation.restart, { rotationId: 'rot1' }, 'the targets miss the live rotation');
    const complete = decideLease(input({ ...base, rollout: { state: 'Complete', rotationId: 'rot1' } }));
    assert.deepEqual(complete.revokePrevious, [prev()]);
    assert.equal(complete.action.kind, 'Wait', 'the live lease is left alone');
  });

  test('revokes after the grace period when there are no targets', () => {
    const ledger = lease({ previous: [prev({ state: 'AwaitingGrace', revokeAfter: iso(300) })] });
    const early = decideLease(input({ ledger, now: at(299) }));
    assert.deepEqual(early.revokePrevious, []);
    assert.deepEqual(early.next, at(300));
    assert.equal(decideLease(input({ ledger, now: at(300) })).revokePrevious.length, 1);
  });

  test('targets that are missing fall back to the grace period', () => {
    const ledger = lease({ previous: [prev()] });
    const missing = { ledger, hasTargets: true, rollout: { state: 'Missing' as const }, graceSeconds: 120 };
    assert.deepEqual(decideLease(input({ ...missing, now: at(119) })).revokePrevious, []);
    assert.equal(decideLease(input({ ...missing, now: at(120) })).revokePrevious.length, 1);
  });

  test('an expired previous lease is dropped, not revoked', () => {
    const ledger = lease({ previous: [prev({ expiresAt: iso(600) })] });
    const plan = decideLease(input({ ledger, now: at(600), hasTargets: true, rollout: { state: 'Progressing' } }));
    assert.deepEqual(plan.revokePrevious, []);
    assert.equal(plan.dropPrevious.length, 1);
  });

  test('a revoke that failed before is retried', () => {
    const ledger = lease({ previous: [prev({ state: 'Revoking' })] });
    assert.equal(decideLease(input({ ledger, now: at(10) })).revokePrevious.length, 1);
  });

  test('a lease whose token was not replaced yet is left to renew until the token is replaced', () => {
    const token = { accessor: 'acc-1', expiresAt: at(1800) };
    const plan = decideLease(input({ now: at(10), token }));
    assert.deepEqual(plan.action, { kind: 'Wait', until: at(2412) });
    assert.deepEqual(plan.next, at(1800), 'wakes up when the token dies');
    assert.deepEqual(decideLease(input({ now: at(1800), token })).action, { kind: 'Issue', reason: 'LeaseExpired' });
  });

  test('a lease bound to a replaced token is re-issued in its slot of the window', () => {
    const token = { accessor: 'acc-1', expiresAt: at(2000), supersededAt: at(1000) };
    // Window: [1000, 1500] (half the remaining life); jitter 0.5 puts the lease at 1250.
    const plan = decideLease(input({ now: at(1001), jitter: 0.5, token }));
    assert.deepEqual(plan.action, { kind: 'Wait', until: at(1250) });
    assert.deepEqual(decideLease(input({ now: at(1250), jitter: 0.5, token })).action, {
      kind: 'Issue',
      reason: 'TokenExpiring',
    });
    const other = { ...token, accessor: 'acc-2' };
    assert.deepEqual(decideLease(input({ now: at(1250), jitter: 0.5, token: other })).action.kind, 'Wait');
  });

  test('material without a lease is re-read after refreshAfter', () => {
    const ledger: LeaseLedger = { issuedAt: iso(0), ttlSeconds: 0, renewable: false, previous: [] };
    assert.deepEqual(decideLease(input({ ledger, now: at(1), refreshAfterSeconds: 60 })).action, {
      kind: 'Wait',
      until: at(60),
    });
    assert.deepEqual(decideLease(input({ ledger, now: at(60), refreshAfterSeconds: 60 })).action, {
      kind: 'Issue',
      reason: 'RefreshDue',
    });
    assert.deepEqual(decideLease(input({ ledger, now: at(60) })).action, { kind: 'Wait', until: undefined });
  });
});
