import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type LeaseLedger, type PendingIssue, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { recoveryOf } from './issue-intent.ts';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';
import { executeLeasePlan, type LeaseActResult } from './lease-engine.ts';
import { FakeGroupBackend } from './testing/fake-group-backend.ts';

const T0 = Date.UTC(2026, 0, 1);
const seconds = (s: number) => s * 1000;

/** A resource's status as the API server keeps it: the ledger and the intent of an issue under way. */
interface Status {
  ledger?: LeaseLedger;
  pendingIssue?: PendingIssue;
}

function setup(
  opts: { ttlSeconds?: number; maxTtlSeconds?: number; renewable?: boolean; groupTtlSeconds?: number } = {},
) {
  const clock = new FakeClock(T0);
  const backend = new FakeGroupBackend({
    clock,
    ttlSeconds: opts.ttlSeconds ?? 3600,
    ...(opts.maxTtlSeconds !== undefined ? { maxTtlSeconds: opts.maxTtlSeconds } : {}),
    ...(opts.renewable !== undefined ? { renewable: opts.renewable } : {}),
    ...(opts.groupTtlSeconds !== undefined ? { groupTtlSeconds: opts.groupTtlSeconds } : {}),
  });
  let status: Status = {};
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null)) ?? undefined;
  /**
   * One reconcile. `crash`: the process dies after the act step (Vault answered), before the
   * record step: only what recordIntent patched reaches the status.
   */
  const run = async (crash = false): Promise<LeaseActResult> => {
    const input: LeaseDecisionInput = {
      ledger: status.ledger,
      now: clock.now(),
      jitter: 0,
      hasTargets: false,
      graceSeconds: 60,
      ...(status.pendingIssue ? { pendingIssue: status.pendingIssue } : {}),
    };
    const result = await executeLeasePlan(decideLease(input), input, {
      backend,
      now: () => clock.now(),
      random: seededRandom(1),
      recordIntent: async (pending) => {
        backend.calls.push('recordIntent');
        status = { ...status, pendingIssue: json(pending) };
      },
    });
    if (!crash) {
      status = {
        ...(result.ledger ? { ledger: json(result.ledger) } : {}),
        ...(result.pendingIssue ? { pendingIssue: json(result.pendingIssue) } : {}),
      };
    }
    return result;
  };
  return { clock, backend, run, status: () => status };
}

describe('recoveryOf', () => {
  const pending: PendingIssue = {
    issuerAccessor: 'child-2',
    parentAccessor: 'login',
    startedAt: '2026-01-01T00:00:00Z',
  };
  const ledger = (issuerAccessor: string, previous: string[] = []): LeaseLedger => ({
    leaseId: 'l',
    issuedAt: '2026-01-01T00:00:00Z',
    ttlSeconds: 60,
    renewable: true,
    issuerAccessor,
    previous: previous.map((a) => ({
      leaseId: `p-${a}`,
      issuedAt: '2026-01-01T00:00:00Z',
      ttlSeconds: 60,
      renewable: true,
      issuerAccessor: a,
      supersededAt: '2026-01-01T00:00:00Z',
      state: 'AwaitingGrace' as const,
    })),
  });

  test('nothing pending: nothing to recover', () => {
    assert.equal(recoveryOf(ledger('child-1'), undefined), undefined);
  });
  test('an intent nothing recorded: revoke its child token', () => {
    assert.deepEqual(recoveryOf(undefined, pending), { kind: 'RevokeGroup', pending });
    assert.deepEqual(recoveryOf(ledger('child-1'), pending), { kind: 'RevokeGroup', pending });
  });
  test('an intent whose credential the ledger records (live or superseded): only clear it, never revoke', () => {
    assert.deepEqual(recoveryOf(ledger('child-2'), pending), { kind: 'Clear', pending });
    assert.deepEqual(recoveryOf(ledger('child-3', ['child-2']), pending), { kind: 'Clear', pending });
  });
  test('the decision settles a pending issue at once', () => {
    const now = new Date(T0);
    const plan = decideLease({ ledger: ledger('child-1'), now, jitter: 0, hasTargets: false, pendingIssue: pending });
    assert.equal(plan.recover?.kind, 'RevokeGroup');
    assert.deepEqual(plan.next, now);
  });
});

describe('lease engine with lease groups (crash between issue and record)', () => {
  test('records the intent before asking Vault, and the record clears it', async () => {
    const { backend, run, status } = setup();
    const result = await run();
    assert.deepEqual(backend.calls, ['openGroup', 'recordIntent', 'issue:child-1']);
    assert.equal(result.issued?.reason, 'InitialSync');
    assert.equal(status().ledger?.issuerAccessor, 'child-1');
    assert.equal(status().pendingIssue, undefined);
  });

  test('a crash after the first issue: the next run revokes the orphan and issues once', async () => {
    const { backend, run, status } = setup();
    await run(true);
    const orphan = backend.issued[0] as string;
    assert.equal(status().ledger, undefined, 'nothing recorded the credential');
    assert.equal(status().pendingIssue?.issuerAccessor, 'child-1', 'but the intent names its child token');

    const next = await run();
    assert.equal(next.recovered?.outcome, 'Revoked');
    assert.ok(!backend.isValid(orphan), 'the orphaned lease is revoked with its child token');
    assert.equal(next.issued?.reason, 'InitialSync');
    assert.deepEqual(backend.liveLeases(), [status().ledger?.leaseId], 'exactly one live lease, the recorded one');
    assert.equal(status().pendingIssue, undefined);
  });

  test('a crash during a due rotation: the orphan goes, the rotation happens once, the old lease is kept for revocation', async () => {
    const { clock, backend, run, status } = setup({ renewable: false });
    await run();
    const first = status().ledger?.leaseId as string;
    clock.advance(seconds(2412));
    await run(true);
    const orphan = backend.issued[1] as string;
    const after = await run();
    assert.equal(after.issued?.reason, 'NotRenewable', 'still the reason it was due');
    assert.ok(!backend.isValid(orphan));
    assert.ok(backend.isValid(first), 'the superseded lease waits for its grace period');
    assert.deepEqual(
      status().ledger?.previous?.map((p) => p.leaseId),
      [first],
    );
    assert.deepEqual(new Set(backend.liveLeases()), new Set([first, status().ledger?.leaseId]));
  });

  test('an intent whose record landed (crash after the record) revokes nothing', async () => {
    const { backend, run, status } = setup();
    await run();
    const live = status().ledger as LeaseLedger;
    // As if the intent's removal were lost: the ledger records child-1 and so does the intent.
    const pending = { issuerAccessor: 'child-1', parentAccessor: 'accessor-1', startedAt: new Date(T0).toISOString() };
    const input: LeaseDecisionInput = {
      ledger: live,
      now: new Date(T0),
      jitter: 0,
      hasTargets: false,
      pendingIssue: pending,
    };
    const result = await executeLeasePlan(decideLease(input), input, {
      backend,
      now: () => new Date(T0),
      random: seededRandom(1),
      recordIntent: async () => {},
    });
    assert.equal(result.recovered?.outcome, 'Cleared');
    assert.equal(result.pendingIssue, undefined);
    assert.ok(backend.isValid(live.leaseId as string), 'the live lease is untouched');
    assert.equal(result.issued, undefined, 'nothing was due');
    assert.ok(!backend.calls.some((c) => c.startsWith('closeGroup')));
  });

  test('a lost answer (issue failed after the intent) keeps the intent for the next run', async () => {
    const { backend, run, status } = setup();
    backend.failNext.issue.push(new BackendError('Unavailable', 'vault', 'connection reset'));
    const result = await run();
    assert.equal(result.error?.errorClass, 'Unavailable');
    assert.equal(status().pendingIssue?.issuerAccessor, 'child-1');
    const next = await run();
    assert.equal(next.recovered?.outcome, 'Revoked');
    assert.equal(next.issued?.reason, 'InitialSync');
  });

  test('Vault down while settling an intent: nothing is issued and the intent stays', async () => {
    const { backend, run, status } = setup();
    await run(true);
    backend.closeGroup = async () => {
      throw new BackendError('Unavailable', 'vault', 'sealed');
    };
    const result = await run();
    assert.equal(result.error?.errorClass, 'Unavailable');
    assert.equal(result.issued, undefined);
    assert.equal(backend.issued.length, 1);
    assert.equal(status().pendingIssue?.issuerAccessor, 'child-1');
  });

  test('without a child token (policy) the issue runs with the login token and says so', async () => {
    const { backend, run, status } = setup();
    backend.groupsAllowed = false;
    const result = await run();
    assert.equal(result.unguarded, true);
    assert.deepEqual(backend.calls, ['openGroup', 'issue']);
    assert.equal(status().ledger?.issuerAccessor, undefined);
    assert.equal(status().pendingIssue, undefined);
  });

  test('a renewable lease is replaced before the child token it was issued with expires', async () => {
    const { clock, run, status } = setup({ ttlSeconds: 3600, maxTtlSeconds: 100_000, groupTtlSeconds: 7200 });
    await run();
    assert.equal(status().ledger?.issuerExpiresAt, new Date(T0 + seconds(7200)).toISOString());
    // Renewals at 67% of the lease; the child dies at 7200 s: re-issue at 67% of that.
    clock.advance(seconds(2412));
    const renewed = await run();
    assert.ok(renewed.renewed);
    clock.advance(seconds(4824) - seconds(2412));
    const replaced = await run();
    assert.equal(replaced.issued?.reason, 'TokenExpiring');
  });
});
