// The one failure policy of both models. A reconciler turns whatever it caught into
// `describeFailure(err)`: the Ready condition's reason and message, and whether the work queue
// retries it with backoff (`shouldRetry`, which the queue itself asks). The rule:
//
//   Unavailable, Throttled    retried with backoff; a Retry-After is the floor under it
//   Conflict                  retried with backoff: the next run reads the current object
//   InvalidInput, Forbidden,  not retried: Ready=False says what to fix, and the resource runs
//   NotFound, SpecProblem,    again when it (or what it references) changes
//   template/duration/regex
//   ReconcileTimeoutError     retried with backoff
//   anything else             retried with backoff (as controller-runtime does); the condition
//                             gets a fixed sentence, the error itself goes to the log
//
// Messages of Lockstep's own error classes are written for the person reading the condition
// and never carry secret values. Any other error (a library's TypeError, a JSON parse error,
// an HTTP client's text) may quote what it choked on, so its text never reaches a condition.

import { DurationError } from '../duration/go-duration.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import { UserRegexError } from '../regex/user-regex.ts';
import { TemplateError } from '../template/errors.ts';
import { BackendError, type ErrorClass } from './backend-error.ts';
import { SpecProblem } from './spec-problem.ts';

export interface FailureDescription {
  /** The Ready condition's reason. */
  reason: string;
  /** The Ready condition's and the Event's message: written for the user, never a library's text. */
  message: string;
  /** Retried by the work queue with backoff; false: waits for a change. */
  retry: boolean;
}

/** The reason of a failure nobody classified. */
export const UNEXPECTED_FAILURE = 'InternalError';

const USER_ERROR_REASONS: Record<Exclude<ErrorClass, 'Unavailable' | 'Throttled' | 'Conflict'>, string> = {
  NotFound: 'NotFound',
  Forbidden: 'Forbidden',
  InvalidInput: 'InvalidSpec',
};

/** How a backend reads in a reason: VaultUnavailable, KubernetesThrottled, AWSUnavailable. */
const BACKEND_NAMES: Record<string, string> = { vault: 'Vault', kubernetes: 'Kubernetes', aws: 'AWS' };

/** Core's spec errors: their messages name the field and what is wrong with it, never a value. */
const SPEC_ERRORS = [TemplateError, DurationError, UserRegexError];

export function describeFailure(err: unknown): FailureDescription {
  if (err instanceof SpecProblem) return { reason: err.reason, message: err.message, retry: false };
  if (err instanceof BackendError) {
    const { errorClass, message } = err;
    if (errorClass === 'Unavailable' || errorClass === 'Throttled') {
      return { reason: `${backendName(err.backend)}${errorClass}`, message, retry: true };
    }
    if (errorClass === 'Conflict') return { reason: 'Conflict', message, retry: true };
    return { reason: USER_ERROR_REASONS[errorClass], message, retry: false };
  }
  if (err instanceof ReconcileTimeoutError) return { reason: 'ReconcileTimeout', message: err.message, retry: true };
  if (SPEC_ERRORS.some((kind) => err instanceof kind)) {
    return { reason: 'InvalidSpec', message: (err as Error).message, retry: false };
  }
  return {
    reason: UNEXPECTED_FAILURE,
    message: `unexpected error (${typeName(err)}); retrying with backoff, the controller log has the details`,
    retry: true,
  };
}

/** Whether the work queue backs a failed reconcile off and runs it again. */
export function shouldRetry(err: unknown): boolean {
  return describeFailure(err).retry;
}

function backendName(backend: string): string {
  return BACKEND_NAMES[backend] ?? `${backend.charAt(0).toUpperCase()}${backend.slice(1)}`;
}

function typeName(err: unknown): string {
  if (err instanceof Error) return err.name || 'Error';
  return err === null ? 'null' : typeof err;
}
