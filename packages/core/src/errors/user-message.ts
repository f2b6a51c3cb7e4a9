// What a condition may say about a failure. Lockstep's own error classes carry messages
// written for the person reading the condition; any other error (a library's TypeError,
// a JSON parse error, an HTTP client's message) may quote the input it choked on, which can be
// a secret value, so it is named by its type only and its details go to the controller log.

import { DurationError } from '../duration/go-duration.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import { UserRegexError } from '../regex/user-regex.ts';
import { TemplateError } from '../template/errors.ts';
import { BackendError } from './backend-error.ts';

/** Error classes whose messages are written for users (no secret values, no library text). */
const WRITTEN_FOR_USERS = [BackendError, TemplateError, DurationError, UserRegexError, ReconcileTimeoutError];

/** True when `err`'s message was written by Lockstep for a condition. */
function hasUserMessage(err: unknown): err is Error {
  return WRITTEN_FOR_USERS.some((kind) => err instanceof kind);
}

/** The message for a condition or an Event: Lockstep's own message, or the error's type with a pointer to the log. */
export function userMessageOf(err: unknown): string {
  if (hasUserMessage(err)) return err.message;
  const type = err instanceof Error ? err.name || 'Error' : typeof err;
  return `internal error (${type}); see the controller log`;
}
