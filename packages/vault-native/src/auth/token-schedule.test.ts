import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendError } from '@lockstep/core';
import {
  backoffMs,
  defaultSchedulePolicy,
  planAfterGrant,
  planAfterLoginFailure,
  planAfterRenewFailure,
} from './token-schedule.ts';

const policy = defaultSchedulePolicy;
const noJitter = () => 0;
const fullJitter = () => 0.999999;

describe('token schedule', () => {
  it('renews a renewable token at 2/3 of its TTL, jitter only ever earlier', () => {
    assert.deepEqual(planAfterGrant({ ttlSeconds: 3600, renewable: true }, policy, noJitter), {
      action: 'renew',
      delayMs: 2_400_000,
      why: 'RenewalDue',
    });
    const jittered = planAfterGrant({ ttlSeconds: 3600, renewable: true }, policy, fullJitter);
    assert.equal(jittered.action, 'renew');
    assert.ok(jittered.action === 'renew' && jittered.delayMs >= 2_160_000 && jittered.delayMs < 2_400_000);
  });

  it('never schedules anything for a token that does not expire', () => {
    assert.deepEqual(planAfterGrant({ ttlSeconds: 0, renewable: false }, policy, noJitter), { action: 'none' });
  });

  it('logs in again before a non-renewable token expires', () => {
    assert.deepEqual(planAfterGrant({ ttlSeconds: 60, renewable: false }, policy, noJitter), {
      action: 'reauthenticate',
      delayMs: 40_000,
      why: 'NotRenewable',
    });
  });

  it('logs in again at once when a renewal comes back shorter than asked (max TTL reached)', () => {
    assert.deepEqual(planAfterGrant({ ttlSeconds: 2, renewable: true, askedSeconds: 4 }, policy, noJitter), {
      action: 'reauthenticate',
      delayMs: 0,
      why: 'MaxTtlReached',
    });
    assert.equal(planAfterGrant({ ttlSeconds: 4, renewable: true, askedSeconds: 4 }, policy, noJitter).action, 'renew');
  });

  it('retries a transient renewal failure with exponential backoff while the token lives', () => {
    const down = new BackendError('Unavailable', 'vault', 'sealed');
    const delays = [1, 2, 3, 4].map((n) => planAfterRenewFailure(down, n, 3_600_000, policy, noJitter));
    assert.deepEqual(
      delays.map((p) => (p.action === 'renew' ? p.delayMs : -1)),
      [1_000, 2_000, 4_000, 8_000],
    );
  });

  it('logs in again when a transient failure outlasts the token', () => {
    const throttled = new BackendError('Throttled', 'vault', 'slow down');
    assert.deepEqual(planAfterRenewFailure(throttled, 3, 2_500, policy, noJitter), {
      action: 'reauthenticate',
      delayMs: 2_500,
      why: 'TokenExpired',
    });
  });

  it('logs in again at once when Vault rejects the token (expired, revoked, past max TTL)', () => {
    for (const errorClass of ['Forbidden', 'InvalidInput'] as const) {
      const rejected = new BackendError(errorClass, 'vault', 'permission denied');
      assert.deepEqual(planAfterRenewFailure(rejected, 1, 60_000, policy, noJitter), {
        action: 'reauthenticate',
        delayMs: 0,
        why: 'TokenRejected',
      });
    }
  });

  it('backs off failed logins up to a cap, never in a tight loop', () => {
    const delays = Array.from({ length: 12 }, (_, i) => planAfterLoginFailure(i + 1, policy, noJitter).delayMs);
    assert.equal(delays[0], 1_000);
    for (let i = 1; i < delays.length; i++) assert.ok((delays[i] as number) >= (delays[i - 1] as number));
    assert.equal(delays.at(-1), policy.backoffCapMs);
    // With full jitter the first retry still waits most of a second.
    assert.ok(backoffMs(1, policy, fullJitter) >= 700);
  });
});
