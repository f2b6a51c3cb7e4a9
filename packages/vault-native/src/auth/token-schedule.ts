// When to renew a login token and when to log in again: pure decisions over numbers, so
// they are tested without a Vault or a clock. The TokenManager carries them out.

import type { BackendError } from '@lockstep/core';

export type TokenPlan =
  /** A token that never expires (root, or a periodic token without TTL). */
  | { action: 'none' }
  | { action: 'renew'; delayMs: number; why: RenewWhy }
  | { action: 'reauthenticate'; delayMs: number; why: ReauthWhy };

export type RenewWhy = 'RenewalDue' | 'RenewRetry';
export type ReauthWhy = 'MaxTtlReached' | 'NotRenewable' | 'TokenRejected' | 'TokenExpired' | 'LoginRetry';

export interface SchedulePolicy {
  /** Renew at this fraction of the TTL. */
  renewFraction: number;
  /** Up to this fraction of the renewal delay is taken off at random, so tokens do not renew in step. */
  renewJitter: number;
  /** Backoff after a failed renewal or login: base * 2^(n-1), capped, jittered down. */
  backoffBaseMs: number;
  backoffCapMs: number;
  backoffJitter: number;
}

export const defaultSchedulePolicy: SchedulePolicy = {
  renewFraction: 2 / 3,
  renewJitter: 0.1,
  backoffBaseMs: 1_000,
  backoffCapMs: 300_000,
  backoffJitter: 0.3,
};

export interface Grant {
  /** Seconds granted from now; 0: never expires. */
  ttlSeconds: number;
  renewable: boolean;
  /** What the renewal asked for (the login's TTL); undefined right after a login. */
  askedSeconds?: number;
}

/** After a login or a successful renewal. */
export function planAfterGrant(grant: Grant, policy: SchedulePolicy, random: () => number): TokenPlan {
  if (grant.ttlSeconds <= 0) return { action: 'none' };
  const ttlMs = grant.ttlSeconds * 1000;
  // Vault caps a renewal at the token's max TTL by answering a shorter TTL than asked: the
  // token will die soon whatever we do, so log in again now and hand the rest of its life
  // to the lease engine for replacing the leases it holds.
  if (grant.askedSeconds !== undefined && grant.ttlSeconds < grant.askedSeconds) {
    return { action: 'reauthenticate', delayMs: 0, why: 'MaxTtlReached' };
  }
  const delayMs = Math.round(ttlMs * policy.renewFraction * (1 - policy.renewJitter * random()));
  if (!grant.renewable) return { action: 'reauthenticate', delayMs, why: 'NotRenewable' };
  return { action: 'renew', delayMs, why: 'RenewalDue' };
}

/** Delay before retry number `failures` (1 = first failure). */
export function backoffMs(failures: number, policy: SchedulePolicy, random: () => number): number {
  const raw = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (1 - Math.min(1, Math.max(0, policy.backoffJitter)) * random()));
}

/**
 * After a failed renewal. A rejected token (expired, revoked, past its max TTL) cannot be
 * saved: log in again now. A transient failure is retried with backoff while the token
 * lives; once the retry would land after its expiry, logging in again is all that is left.
 */
export function planAfterRenewFailure(
  err: BackendError,
  failures: number,
  msUntilExpiry: number,
  policy: SchedulePolicy,
  random: () => number,
): TokenPlan {
  const transient = err.errorClass === 'Unavailable' || err.errorClass === 'Throttled';
  if (!transient) return { action: 'reauthenticate', delayMs: 0, why: 'TokenRejected' };
  const delayMs = backoffMs(failures, policy, random);
  if (delayMs >= msUntilExpiry) {
    return { action: 'reauthenticate', delayMs: Math.max(0, msUntilExpiry), why: 'TokenExpired' };
  }
  return { action: 'renew', delayMs, why: 'RenewRetry' };
}

/** After a failed background login: always backoff, never a tight loop, whatever the error. */
export function planAfterLoginFailure(
  failures: number,
  policy: SchedulePolicy,
  random: () => number,
): Extract<TokenPlan, { action: 'reauthenticate' }> {
  return { action: 'reauthenticate', delayMs: backoffMs(failures, policy, random), why: 'LoginRetry' };
}
