import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type LeaseLedger, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';
import { executeLeasePlan, type LeaseActContext } from './lease-engine.ts';
import { LeaseScheduler } from './lease-scheduler.ts';
import { FakeLeaseBackend } from './testing/fake-lease-backend.ts';

const T0 = Date.UTC(2026, 0, 1);

function setup(options: { ttlSeconds?: number; maxTtlSeconds?: number; renewable?: boolean; hasTargets?: boolean }) {
  const clock = new FakeClock(T0);
  const backend = new FakeLeaseBackend({
    clock,
    ttlSeconds: options.ttlSeconds ?? 3600,
    ...(options.maxTtlSeconds !== undefined ? { maxTtlSeconds: options.maxTtlSeconds } : {}),
    ...(options.renewable !== undefined ? { renewable: options.renewable } : {}),
  });
  const ctx: LeaseActContext = { backend, now: () => clock.now(), random: seededRandom(1) };
  const base = { jitter: 0, hasTargets: options.hasTargets ?? false };
  /** One reconcile: decide, act; the ledger goes through JSON like a status patch. */
  const run = async (ledger: LeaseLedger | undefined, extra: Partial<LeaseDecisionInput> = {}) => {
    const input: LeaseDecisionInput = { ...base, ledger, now: clock.now(), ...extra };
    const plan = decideLease(input);
    const result = await executeLeasePlan(plan, input, ctx);
    return { plan, result, ledger: JSON.parse(JSON.stringify(result.ledger ?? null)) ?? undefined };
  };
  return { clock, backend, run };
}

const seconds = (s: number) => s * 1000;

describe('lease engine', () => {
  test('issues the first credential with a rotation id for the restart annotation', async () => {
    const { backend, run } = setup({});
    const { result, ledger } = await run(undefined);
    assert.equal(result.issued?.reason, 'InitialSync');
    assert.deepEqual(result.issued?.data, { username: 'user-1', password: 'pw-1' });
    assert.equal(ledger.leaseId, backend.issued[0]);
    assert.equal(ledger.rotationId, result.issued?.rotationId);
    assert.ok(result.issued?.restartValue.endsWith(`.${ledger.rotationId}`));
    assert.deepEqual(result.next, new Date(T0 + seconds(2412)));
  });

  test('re-issues before expiry when Vault caps the renewal', async () => {
    const { clock, backend, run } = setup({ ttlSeconds: 3600, maxTtlSeconds: 5000 });
    let { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    const renewal = await run(ledger);
    // 5000 - 2412 = 2588 s left of the 3600 asked: capped.
    assert.deepEqual(renewal.result.renewed, { ttlSeconds: 2588, capped: true, lateSeconds: 0 });
    assert.equal(renewal.ledger.renewable, false);
    ledger = renewal.ledger;
    const reissueAt = T0 + seconds(2412) + Math.floor(seconds(2588) * 0.67);
    assert.deepEqual(renewal.result.next, new Date(reissueAt));
    assert.ok(reissueAt < T0 + seconds(5000), 'the new credential comes before the old one expires');
    clock.advance(reissueAt - clock.now().getTime());
    const reissue = await run(ledger);
    assert.equal(reissue.result.issued?.reason, 'LeaseCapped');
    assert.equal(backend.issued.length, 2);
    assert.ok(backend.isValid(backend.issued[0] as string), 'the old lease still works during the rollout');
    assert.equal(reissue.ledger.previous[0].state, 'AwaitingGrace');
    assert.equal(reissue.ledger.previous[0].reason, 'LeaseCapped');
  });

  test('a renewal reports how long after its due time Vault granted it', async () => {
    const { clock, run } = setup({ ttlSeconds: 3600 });
    const { ledger } = await run(undefined);
    // Due at 67% of 3600 s = 2412 s; the queue reaches it 7 s later.
    clock.advance(seconds(2412 + 7));
    const renewal = await run(ledger);
    assert.deepEqual(renewal.result.renewed, { ttlSeconds: 3600, capped: false, lateSeconds: 7 });
  });

  test('revokes the previous lease only after the rollout finished', async () => {
    const { clock, backend, run } = setup({ renewable: false, hasTargets: true });
    let { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    ({ ledger } = await run(ledger));
    assert.equal(ledger.previous[0].state, 'AwaitingRollout');
    const rotationId = ledger.rotationId;
    clock.advance(seconds(5));
    const progressing = await run(ledger, { rollout: { state: 'Progressing', rotationId } });
    assert.deepEqual(backend.revoked, []);
    assert.deepEqual(progressing.result.next, new Date(clock.now().getTime() + seconds(10)));
    clock.advance(seconds(10));
    const complete = await run(progressing.ledger, { rollout: { state: 'Complete', rotationId } });
    assert.deepEqual(backend.revoked, [backend.issued[0]]);
    assert.deepEqual(complete.result.revoked, [backend.issued[0]]);
    assert.deepEqual(complete.ledger.previous, []);
    assert.ok(backend.isValid(complete.ledger.leaseId), 'the live lease is untouched');
  });

  test('revokes after the grace period when there are no targets', async () => {
    const { clock, backend, run } = setup({ renewable: false });
    let { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    ({ ledger } = await run(ledger, { graceSeconds: 60 }));
    assert.equal(ledger.previous[0].revokeAfter, new Date(T0 + seconds(2472)).toISOString());
    clock.advance(seconds(59));
    ({ ledger } = await run(ledger, { graceSeconds: 60 }));
    assert.deepEqual(backend.revoked, []);
    clock.advance(seconds(1));
    ({ ledger } = await run(ledger, { graceSeconds: 60 }));
    assert.deepEqual(backend.revoked, [backend.issued[0]]);
    assert.equal(backend.issued.length, 2);
  });

  test('a transient renew error keeps the lease and revokes nothing', async () => {
    const { clock, backend, run } = setup({});
    let { ledger } = await run(undefined);
    // A superseded lease whose grace has elapsed is pending too.
    ledger = {
      ...ledger,
      previous: [
        {
          leaseId: 'old',
          issuedAt: new Date(T0 - 1000).toISOString(),
          ttlSeconds: 3600,
          renewable: true,
          expiresAt: new Date(T0 + seconds(7200)).toISOString(),
          supersededAt: new Date(T0).toISOString(),
          revokeAfter: new Date(T0).toISOString(),
          state: 'AwaitingGrace',
        },
      ],
    };
    clock.advance(seconds(2412));
    backend.failNext.renew.push(new BackendError('Unavailable', 'vault', 'Vault at http://127.0.0.1:8200 is sealed'));
    const { result, ledger: after } = await run(ledger);
    assert.equal(result.error?.errorClass, 'Unavailable');
    assert.deepEqual(after, ledger, 'the ledger is unchanged');
    assert.deepEqual(backend.revoked, []);
    assert.equal(backend.issued.length, 1);
    assert.ok(backend.isValid(ledger.leaseId as string));
  });

  test('an unclassified failure is treated as transient', async () => {
    const { clock, backend, run } = setup({});
    const { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    const renew = backend.renew.bind(backend);
    backend.renew = async () => {
      throw new TypeError('socket hang up');
    };
    const { result } = await run(ledger);
    assert.equal(result.error?.errorClass, 'Unavailable');
    assert.equal(backend.issued.length, 1);
    backend.renew = renew;
  });

  test('past the max TTL leads to re-issue, not a failure loop', async () => {
    const { clock, backend, run } = setup({ ttlSeconds: 3600, maxTtlSeconds: 3600 });
    let { ledger } = await run(undefined);
    // Pretend the ledger missed the capping (e.g. Vault's max TTL was lowered): the lease
    // still says renewable, and Vault now refuses every renewal.
    backend.leases.get(ledger.leaseId)!.maxExpiresAtMs = T0 + seconds(2000);
    clock.advance(seconds(2412));
    const rejected = await run(ledger);
    assert.equal(rejected.result.renewRejected?.errorClass, 'InvalidInput');
    assert.equal(rejected.result.issued?.reason, 'RenewalRejected');
    assert.equal(rejected.result.error, undefined);
    assert.equal(backend.issued.length, 2);
    ledger = rejected.ledger;
    // Next comes the old lease's grace end; the new lease renews at its own time. Nothing is
    // retried in between.
    assert.deepEqual(rejected.result.next, new Date(clock.now().getTime() + seconds(300)));
    assert.equal(ledger.renewable, true);
    assert.equal(ledger.issuedAt, clock.now().toISOString());
    clock.advance(seconds(60));
    const idle = await run(ledger);
    assert.equal(idle.plan.action.kind, 'Wait');
    assert.equal(backend.issued.length, 2);
    assert.equal(backend.renewals.length, 0);
  });

  test('a non-renewable lease is re-issued at renewalPercent', async () => {
    const { clock, backend, run } = setup({ renewable: false });
    const { ledger, result } = await run(undefined);
    assert.deepEqual(result.next, new Date(T0 + seconds(2412)));
    clock.advance(seconds(2411));
    assert.equal((await run(ledger)).plan.action.kind, 'Wait');
    clock.advance(seconds(1));
    const reissue = await run(ledger);
    assert.equal(reissue.result.issued?.reason, 'NotRenewable');
    assert.equal(backend.renewals.length, 0, 'never renews what Vault will not renew');
    assert.equal(backend.issued.length, 2);
  });

  test('a failed revoke keeps the entry for retry and never issues twice', async () => {
    const { clock, backend, run } = setup({ renewable: false });
    let { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    ({ ledger } = await run(ledger, { graceSeconds: 10 }));
    clock.advance(seconds(10));
    backend.failNext.revoke.push(new BackendError('Forbidden', 'vault', 'Vault denied POST sys/leases/revoke'));
    const failed = await run(ledger, { graceSeconds: 10 });
    assert.equal(failed.result.error?.errorClass, 'Forbidden');
    assert.equal(failed.ledger.previous[0].state, 'Revoking');
    assert.equal(failed.ledger.leaseId, ledger.leaseId);
    const retried = await run(failed.ledger, { graceSeconds: 10 });
    assert.deepEqual(retried.result.revoked, [backend.issued[0]]);
    assert.deepEqual(retried.ledger.previous, []);
    assert.equal(backend.issued.length, 2);
  });

  test('a revoke of a lease that is already gone counts as revoked', async () => {
    const { clock, backend, run } = setup({ renewable: false });
    let { ledger } = await run(undefined);
    clock.advance(seconds(2412));
    ({ ledger } = await run(ledger, { graceSeconds: 10 }));
    clock.advance(seconds(10));
    backend.failNext.revoke.push(new BackendError('NotFound', 'vault', 'nothing found'));
    const { ledger: after } = await run(ledger, { graceSeconds: 10 });
    assert.deepEqual(after.previous, []);
  });

  test('a restarted engine resumes from the ledger and re-issues nothing', async () => {
    const { clock, backend, run } = setup({ ttlSeconds: 3600, maxTtlSeconds: 36_000, hasTargets: true });
    const first = await run(undefined, { generation: 1 });
    const status = JSON.stringify({ lockstep: { ledger: first.ledger }, lastGeneration: 1 });
    // A new process: fresh engine context and random, same Vault; only the status survives.
    clock.advance(seconds(1000));
    const restored = JSON.parse(status) as { lockstep: { ledger: LeaseLedger }; lastGeneration: number };
    const ctx: LeaseActContext = { backend, now: () => clock.now(), random: seededRandom(99) };
    let ledger: LeaseLedger | undefined = restored.lockstep.ledger;
    for (let i = 0; i < 10; i++) {
      const input: LeaseDecisionInput = {
        ledger,
        now: clock.now(),
        jitter: 0.3,
        hasTargets: true,
        generation: 1,
        lastGeneration: restored.lastGeneration,
        rollout: { state: 'Complete', rotationId: restored.lockstep.ledger.rotationId },
      };
      const plan = decideLease(input);
      assert.notEqual(plan.action.kind, 'Issue');
      assert.equal(plan.restart, undefined, 'no rollout');
      const result = await executeLeasePlan(plan, input, ctx);
      assert.equal(result.issued, undefined);
      assert.equal(result.error, undefined);
      ledger = result.ledger;
      clock.advance((result.next?.getTime() ?? 0) - clock.now().getTime());
    }
    assert.equal(backend.issued.length, 1, 'no duplicate credential');
    assert.equal(ledger?.leaseId, backend.issued[0]);
    assert.equal(ledger?.rotationId, first.ledger.rotationId);
    assert.equal(backend.renewals.length, 9, 'the first run waits, the other nine renew');
    assert.ok(backend.isValid(backend.issued[0] as string));
  });

  test('material without a lease is not kept for revocation when replaced', async () => {
    const clock = new FakeClock(T0);
    let n = 0;
    const ctx: LeaseActContext = {
      backend: {
        issue: async () => ({ data: { password: `p${++n}` }, ttlSeconds: 0, renewable: false }),
        renew: async () => assert.fail('nothing to renew'),
        revoke: async () => assert.fail('nothing to revoke'),
      },
      now: () => clock.now(),
      random: seededRandom(3),
    };
    const input = (ledger: LeaseLedger | undefined): LeaseDecisionInput => ({
      ledger,
      now: clock.now(),
      jitter: 0,
      hasTargets: false,
      refreshAfterSeconds: 60,
    });
    const first = await executeLeasePlan(decideLease(input(undefined)), input(undefined), ctx);
    clock.advance(seconds(60));
    const second = await executeLeasePlan(decideLease(input(first.ledger)), input(first.ledger), ctx);
    assert.equal(second.issued?.reason, 'RefreshDue');
    assert.deepEqual(second.ledger?.previous, []);
  });
});

describe('lease engine simulation', () => {
  /**
   * One VaultDynamicSecret with a Deployment target, driven by the scheduler on a fake clock
   * against a backend that caps renewals at max_ttl. The pods switch to a new credential when
   * their rollout completes, 60 s after the restart.
   */
  async function simulate(options: { jitter: number; rotations: number }) {
    const clock = new FakeClock(T0);
    const backend = new FakeLeaseBackend({ clock, ttlSeconds: 3600, maxTtlSeconds: 10_800 });
    const key = 'team-a/db-creds';
    const due: string[] = [];
    const scheduler = new LeaseScheduler({ clock, onDue: (k) => due.push(k) });
    const violations: string[] = [];
    const rotationsAt: number[] = [];
    let ledger: LeaseLedger | undefined;
    let inUse: string | undefined;
    let restart: { rotationId: string; atMs: number; leaseId: string } | undefined;

    const rollout = () => {
      if (!restart) return { state: 'Complete' as const };
      if (clock.now().getTime() < restart.atMs + 60_000)
        return { state: 'Progressing' as const, rotationId: restart.rotationId };
      inUse = restart.leaseId;
      return { state: 'Complete' as const, rotationId: restart.rotationId };
    };
    backend.onRevoke = (id) => {
      rollout();
      if (id === inUse) violations.push(`revoked ${id} while the pods use it`);
      if (id === ledger?.leaseId) violations.push(`revoked the live lease ${id}`);
    };
    const ctx: LeaseActContext = { backend, now: () => clock.now(), random: seededRandom(11) };

    const reconcile = async () => {
      const input: LeaseDecisionInput = {
        ledger,
        now: clock.now(),
        jitter: options.jitter,
        renewalPercent: 50,
        hasTargets: true,
        rollout: rollout(),
      };
      const plan = decideLease(input);
      const result = await executeLeasePlan(plan, input, ctx);
      if (result.error) violations.push(`error: ${result.error.message}`);
      ledger = JSON.parse(JSON.stringify(result.ledger)) as LeaseLedger;
      if (result.issued) {
        // Written to the Secret, then the targets restart; the first sync has no pods yet.
        if (inUse === undefined) inUse = ledger.leaseId;
        else rotationsAt.push((clock.now().getTime() - T0) / 1000);
        restart = {
          rotationId: result.issued.rotationId,
          atMs: clock.now().getTime(),
          leaseId: ledger.leaseId as string,
        };
      }
      if (result.next) scheduler.reschedule(key, result.next);
    };

    scheduler.schedule(key, clock.now());
    for (;;) {
      const next = scheduler.nextDue();
      assert.ok(next, 'something is always scheduled');
      // Stop 10 minutes after the last rotation (its rollout and revocation are done by then).
      const last = rotationsAt.at(-1);
      if (rotationsAt.length >= options.rotations && last !== undefined && next.getTime() > T0 + (last + 600) * 1000)
        break;
      clock.advance(next.getTime() - clock.now().getTime());
      for (let k = due.shift(); k; k = due.shift()) await reconcile();
      rollout();
      if (!inUse || !backend.isValid(inUse))
        violations.push(`the credential in use (${inUse}) stopped working at ${clock.now().toISOString()}`);
      assert.ok(clock.now().getTime() < T0 + 86_400_000 * 3, 'the simulation converges');
    }
    return { backend, violations, rotationsAt, ledger };
  }

  test('through 5 capped rotations the credential in use is never revoked and issues match the TTLs', async () => {
    // ttl 1 h, max_ttl 3 h, renewalPercent 50: renewals at 0.5, 1, 1.5, 2 and 2.5 h; the last
    // one is capped to 1800 s, so the lease is replaced at 2.5 h + 50% of 1800 s = 9900 s.
    const { backend, violations, rotationsAt, ledger } = await simulate({ jitter: 0, rotations: 5 });
    assert.deepEqual(violations, []);
    assert.deepEqual(rotationsAt, [9900, 19_800, 29_700, 39_600, 49_500]);
    assert.equal(backend.issued.length, 6, 'the first issue plus one per rotation');
    assert.equal(backend.renewals.length, 25, 'five renewals per lease before the cap');
    assert.equal(backend.renewals.filter((r) => r.granted < r.increment).length, 5, 'one capped renewal per lease');
    assert.deepEqual(backend.revoked, backend.issued.slice(0, 5), 'every superseded lease revoked, once');
    assert.deepEqual(ledger?.previous, []);
  });

  test('with jitter the invariants hold through 5 rotations', async () => {
    const { backend, violations, rotationsAt } = await simulate({ jitter: seededRandom(23).random(), rotations: 5 });
    assert.deepEqual(violations, []);
    assert.equal(rotationsAt.length, 5);
    assert.equal(backend.issued.length, 6);
    assert.deepEqual(backend.revoked, backend.issued.slice(0, 5));
  });
});
