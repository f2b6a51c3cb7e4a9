// Every Kubernetes API call of Lockstep goes through `kubeCall`: whatever client-node throws
// leaves it as a BackendError (backend `kubernetes`) with one message format, about the object
// and the action, never about HTTP internals or a library's text:
//
//   Secret "db" not found in namespace "apps"                      (Kubernetes' own phrasing)
//   cannot update Secret "db" in namespace "apps": <what went wrong>[: <the API server's reason>]
//
// HTTP answers are classified by status (classifyHttpStatus); a call that got no answer
// (refused, reset, timed out) is Unavailable and named by its errno code; a server certificate
// that is not trusted is InvalidInput, because only a corrected CA or URL fixes it; anything
// else client-node throws is Unavailable too (retried), named by its type only.

import { ApiException } from '@kubernetes/client-node';
import { BackendError, classifyHttpStatus, type ErrorClass } from './backend-error.ts';

/** What a call does to which object; it goes into the message. */
export interface KubeCallTarget {
  /** The action: `read`, `list`, `create`, `update`, `delete`, `patch the status of`, `restart`, … */
  verb: string;
  kind: string;
  /** No name: the call is about the kind's objects (`list Secrets in namespace "apps"`). */
  name?: string;
  namespace?: string;
}

/** Runs one Kubernetes API call; its failure comes out as a classified BackendError. */
export async function kubeCall<T>(about: KubeCallTarget, call: () => Promise<T>, backend = 'kubernetes'): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw kubeError(err, about, backend);
  }
}

/** The BackendError for what a Kubernetes API call threw; a BackendError passes through unchanged. */
export function kubeError(err: unknown, about: KubeCallTarget, backend = 'kubernetes'): BackendError {
  if (err instanceof BackendError) return err;
  if (err instanceof ApiException) {
    const errorClass = classifyHttpStatus(err.code);
    const message =
      errorClass === 'NotFound'
        ? notFoundMessage(about)
        : `cannot ${about.verb} ${describe(about)}: ${answerProblem(errorClass, err.code)}${suffix(statusMessage(err.body))}`;
    return new BackendError(errorClass, backend, message, { cause: err, ...retryAfter(err) });
  }
  const code = transportCode(err);
  const cannot = `cannot ${about.verb} ${describe(about)}`;
  if (code && TLS_CODES.test(code)) {
    return new BackendError(
      'InvalidInput',
      backend,
      `${cannot}: the API server's certificate is not trusted (${code})`,
      {
        cause: err,
      },
    );
  }
  // Never the error's own text: an HTTP client's message may quote the request. Either way the
  // call is retried; the cause goes to the controller log.
  const problem = code
    ? `the Kubernetes API server is unreachable (${code})`
    : `unexpected error (${err instanceof Error ? err.name || 'Error' : typeof err}); see the controller log`;
  return new BackendError('Unavailable', backend, `${cannot}: ${problem}`, { cause: err });
}

function answerProblem(errorClass: ErrorClass, status: number): string {
  switch (errorClass) {
    case 'Forbidden':
      return status === 401 ? 'the API server refused the credentials' : 'access is forbidden';
    case 'Throttled':
      return 'the API server is throttling requests';
    case 'Unavailable':
      return `the API server failed (HTTP ${status})`;
    case 'Conflict':
      return 'it was changed concurrently or already exists';
    default:
      return `the API server rejected the request (HTTP ${status})`;
  }
}

/** Kubernetes' own phrasing, which users recognise: `Secret "x" not found in namespace "y"`. */
function notFoundMessage(ref: KubeCallTarget): string {
  const name = ref.name ? `${ref.kind} "${ref.name}"` : `${ref.kind}s`;
  return ref.namespace ? `${name} not found in namespace "${ref.namespace}"` : `${name} not found`;
}

function describe(ref: KubeCallTarget): string {
  const name = ref.name ? `${ref.kind} "${ref.name}"` : `${ref.kind}s`;
  return ref.namespace ? `${name} in namespace "${ref.namespace}"` : name;
}

function suffix(reason: string | undefined): string {
  return reason ? `: ${reason}` : '';
}

const MAX_REASON = 300;

/**
 * The `message` of the API server's Status body (client-node hands it over as text). It is the
 * API server's sentence about the object (which RBAC rule is missing, which field is invalid),
 * bounded so a chatty webhook cannot flood a condition.
 */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string' || message.length === 0) return undefined;
  return message.length > MAX_REASON ? `${message.slice(0, MAX_REASON)}…` : message;
}

/** A 429's or 503's Retry-After (seconds), for the work queue's backoff floor. */
function retryAfter(err: ApiException<unknown>): { retryAfterMs?: number } {
  const header = Object.entries(err.headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {};
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_CERT|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** undici wraps the socket error: `TypeError: fetch failed` with the errno code in `cause`. */
function transportCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
