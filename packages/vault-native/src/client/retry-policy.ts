// Client-level retries: one call sent again, only for failures Vault itself calls transient
// (Unavailable, Throttled), bounded in count and delay, with jitter so many reconciles that hit
// a sealed Vault at once do not come back in step. Whether a failed reconcile runs again is
// core's failure policy (describeFailure); longer outages are the work queue's business.

import type { BackendError } from '@lockstep/core';
import { transportCode } from './vault-error.ts';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retries. */
  maxRetries: number;
  baseMs: number;
  capMs: number;
  /** Fraction of each delay taken off at random, in [0, 1]. */
  jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3, baseMs: 250, capMs: 4_000, jitter: 0.5 };

/** Delay before retry number `retry` (1 = first retry): base * 2^(retry-1), capped, jittered down. */
export function retryDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(raw * (1 - Math.min(1, Math.max(0, policy.jitter)) * random()));
}

// Failures where Vault cannot have acted on the request: safe to resend even a write.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a failed attempt may be sent again (within this call; not the work queue's retry). A write that may have reached Vault (a reset
 * or a 500 after the body was sent) is resent only when the caller says it is idempotent:
 * issuing a second certificate or credential is worse than surfacing the error.
 */
export function mayResend(err: BackendError, status: number | undefined, idempotent: boolean): boolean {
  if (err.errorClass === 'Throttled') return true;
  if (err.errorClass !== 'Unavailable') return false;
  if (status === 503) return true;
  if (status === undefined) {
    const code = transportCode(err.cause);
    if (code && NOT_SENT.has(code)) return true;
  }
  return idempotent;
}
