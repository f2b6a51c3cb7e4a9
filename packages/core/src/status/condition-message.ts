// Condition messages are read by anyone who can `kubectl get` the resource, so they must
// never carry a secret value, even when the message quotes a backend's error text.
import { MAX_CONDITION_MESSAGE } from './conditions.ts';

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not redacted: they would match ordinary words and digits
 * all over a message, and a value that short protects nothing anyway.
 */
export const MIN_REDACTED_LENGTH = 4;

/**
 * Replaces every known secret value in a message with `[redacted]`, in plain and in
 * base64 form (Secret data is base64 on the wire and often quoted that way).
 */
export class ConditionMessage {
  readonly #needles: string[];

  constructor(sensitive: Iterable<string | Uint8Array>) {
    const needles = new Set<string>();
    for (const value of sensitive) {
      const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
      if (text.length < MIN_REDACTED_LENGTH) continue;
      needles.add(text);
      needles.add(Buffer.from(text, 'utf8').toString('base64'));
      // A quoted message may carry the JSON-escaped form (newlines as \n, quotes as \").
      needles.add(JSON.stringify(text).slice(1, -1));
    }
    // Longest first, so a value that contains another is removed whole.
    this.#needles = [...needles].sort((a, b) => b.length - a.length);
  }

  sanitize(message: string): string {
    let out = message;
    for (const needle of this.#needles) out = out.split(needle).join(REDACTED);
    return out.length <= MAX_CONDITION_MESSAGE ? out : `${out.slice(0, MAX_CONDITION_MESSAGE - 3)}...`;
  }
}

/** One-off form of `new ConditionMessage(sensitive).sanitize(message)`. */
export function sanitizeConditionMessage(message: string, sensitive: Iterable<string | Uint8Array>): string {
  return new ConditionMessage(sensitive).sanitize(message);
}
