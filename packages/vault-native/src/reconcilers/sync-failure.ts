// One place turns a failure into what the user sees: the Ready condition's reason and
// message, and whether the work queue backs off (transient) or waits for the spec to change.

import { BackendError, isRetryable, userMessageOf } from '@lockstep/core';

/**
 * A resource that cannot work as written (missing VaultAuth, namespace not allowed, bad
 * duration, ...). It is InvalidInput, so it is never retried with backoff and revokes nothing;
 * `reason` is the condition reason and the message says what to fix.
 */
export class SpecProblem extends BackendError {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('InvalidInput', 'lockstep', message, options);
    this.name = 'SpecProblem';
    this.reason = reason;
  }
}

export interface SyncFailure {
  reason: string;
  message: string;
  /** Back off and retry (Vault down, sealed, throttled, API server unreachable). */
  transient: boolean;
}

const CLASS_REASONS: Record<BackendError['errorClass'], string> = {
  NotFound: 'NotFound',
  Forbidden: 'Forbidden',
  InvalidInput: 'InvalidSpec',
  Unavailable: 'VaultUnavailable',
  Throttled: 'VaultThrottled',
  Conflict: 'Conflict',
};

export function describeFailure(err: unknown): SyncFailure {
  if (err instanceof SpecProblem) return { reason: err.reason, message: err.message, transient: false };
  if (err instanceof BackendError) {
    const reason =
      err.backend === 'kubernetes' && isRetryable(err) ? 'KubernetesUnavailable' : CLASS_REASONS[err.errorClass];
    // A conflict on a Secret write resolves itself on the next run: retry it like a transient error.
    return { reason, message: err.message, transient: isRetryable(err) || err.errorClass === 'Conflict' };
  }
  // Unclassified: retried (nothing says it is permanent), as the work queue does. A library's
  // message may quote what it choked on (a secret): the condition names the error type only.
  return { reason: 'InternalError', message: userMessageOf(err), transient: true };
}

/** The error to throw so the work queue backs off: retryable whatever its class. */
export function retryable(err: unknown, failure: SyncFailure): BackendError {
  if (err instanceof BackendError && isRetryable(err)) return err;
  return new BackendError('Unavailable', 'lockstep', failure.message, { cause: err });
}
