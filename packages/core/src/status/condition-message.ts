// Condition messages are read by anyone who can `kubectl get` the resource, so they must
// never carry a secret value, even when the message quotes a backend's error text.

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
    for (const value of sensitive) for (const needle of needlesOf(value)) needles.add(needle);
    // Longest first, so a value that contains another is removed whole.
    this.#needles = [...needles].sort((a, b) => b.length - a.length);
  }

  sanitize(message: string): string {
    let out = message;
    for (const needle of this.#needles) out = out.split(needle).join(REDACTED);
    // setCondition truncates to the API server's limit after scrubbing.
    return out;
  }
}

/** The forms of one value a message may quote: plain, base64, JSON-escaped; none when too short. */
export function needlesOf(value: string | Uint8Array): string[] {
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  if (text.length < MIN_REDACTED_LENGTH) return [];
  // A quoted message may carry the JSON-escaped form (newlines as \n, quotes as \").
  return [text, Buffer.from(text, 'utf8').toString('base64'), JSON.stringify(text).slice(1, -1)];
}

/** One-off form of `new ConditionMessage(sensitive).sanitize(message)`. */
export function sanitizeConditionMessage(message: string, sensitive: Iterable<string | Uint8Array>): string {
  return new ConditionMessage(sensitive).sanitize(message);
}
