// Backend errors are classified once, at the client boundary. Reconcilers branch on the
// class, never on HTTP status codes or message text. Messages are written for the person
// reading the condition and never carry secret values.

export type ErrorClass = 'NotFound' | 'Forbidden' | 'InvalidInput' | 'Unavailable' | 'Throttled' | 'Conflict';

export class BackendError extends Error {
  readonly errorClass: ErrorClass;
  /** Backend that answered, e.g. `vault`, `aws`, `kubernetes`; goes into metrics labels. */
  readonly backend: string;
  /**
   * How long the backend asked us to wait (Retry-After on a 429 or 503). The work queue
   * honours it as a floor under its backoff (`retryAfterHint`).
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    errorClass: ErrorClass,
    backend: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'BackendError';
    this.errorClass = errorClass;
    this.backend = backend;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Only transient classes are retried with backoff; the others wait for the spec to change. */
export function isRetryable(err: unknown): boolean {
  return err instanceof BackendError && (err.errorClass === 'Unavailable' || err.errorClass === 'Throttled');
}

export function isNotFound(err: unknown): boolean {
  return err instanceof BackendError && err.errorClass === 'NotFound';
}

/** Classifies an HTTP status the way every backend client in Lockstep does. */
export function classifyHttpStatus(status: number): ErrorClass {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'Forbidden';
  if (status === 409 || status === 412) return 'Conflict';
  if (status === 429) return 'Throttled';
  if (status >= 500) return 'Unavailable';
  return 'InvalidInput';
}
