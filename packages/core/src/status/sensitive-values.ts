// The one scrubber every condition message and Event message goes through (setCondition and
// the event recorder call it), so no reconciler can forget it. It knows the secret values this
// process handled lately (the Secret writer and provider reads remember them) and the shapes
// of well-known credentials, which it removes even when nobody remembered them.
//
// Messages are written from classified errors that never quote values; this is the second
// line, for a backend or library that echoes what it was sent.

import { MIN_REDACTED_LENGTH, needlesOf, REDACTED } from './condition-message.ts';

/**
 * How many needles (each value counts three times: plain, base64, JSON-escaped) are kept;
 * the least recently seen go first. Sized for a few thousand synced Secrets.
 */
const DEFAULT_MAX_NEEDLES = 60_000;
/**
 * Longer values are remembered by their first this-many characters only: a message is at
 * most 32 KiB, and a quote of a long value starts with its beginning.
 */
const MAX_NEEDLE_CHARS = 4096;
/**
 * Shorter values are not remembered process-wide: a value such as `true` or `admin` would
 * blank that word in every message of every resource (the leak scan of the tests uses the same floor).
 */
export const MIN_REMEMBERED_LENGTH = 6;

export class SensitiveValues {
  /** needle → itself, in least-recently-remembered order (a Map keeps insertion order). */
  readonly #needles = new Map<string, true>();
  /** First MIN_REDACTED_LENGTH characters → the needles starting with them, for a single pass over a message. */
  readonly #byPrefix = new Map<string, Set<string>>();
  readonly #maxNeedles: number;

  constructor(opts: { maxNeedles?: number } = {}) {
    this.#maxNeedles = opts.maxNeedles ?? DEFAULT_MAX_NEEDLES;
  }

  remember(values: Iterable<string | Uint8Array>): void {
    for (const value of values) {
      if (value.length < MIN_REMEMBERED_LENGTH) continue;
      for (const full of needlesOf(value)) {
        const needle = full.length > MAX_NEEDLE_CHARS ? full.slice(0, MAX_NEEDLE_CHARS) : full;
        if (this.#needles.delete(needle)) {
          this.#needles.set(needle, true);
          continue;
        }
        this.#needles.set(needle, true);
        const prefix = needle.slice(0, MIN_REDACTED_LENGTH);
        const set = this.#byPrefix.get(prefix) ?? new Set<string>();
        set.add(needle);
        this.#byPrefix.set(prefix, set);
      }
    }
    while (this.#needles.size > this.#maxNeedles) {
      const oldest = this.#needles.keys().next().value as string;
      this.#forget(oldest);
    }
  }

  /** Forgets every value (tests; a process never needs to). */
  clear(): void {
    this.#needles.clear();
    this.#byPrefix.clear();
  }

  get size(): number {
    return this.#needles.size;
  }

  /** `message` with every remembered value and every credential-shaped string replaced by `[redacted]`. */
  scrub(message: string): string {
    return scrubCredentialShapes(this.#scrubRemembered(message));
  }

  #scrubRemembered(message: string): string {
    if (this.#byPrefix.size === 0 || message.length < MIN_REDACTED_LENGTH) return message;
    const found = new Set<string>();
    for (let i = 0; i + MIN_REDACTED_LENGTH <= message.length; i++) {
      const candidates = this.#byPrefix.get(message.slice(i, i + MIN_REDACTED_LENGTH));
      if (!candidates) continue;
      for (const needle of candidates) if (!found.has(needle) && message.startsWith(needle, i)) found.add(needle);
    }
    if (found.size === 0) return message;
    let out = message;
    // Longest first, so a value that contains another is removed whole.
    for (const needle of [...found].sort((a, b) => b.length - a.length)) out = out.split(needle).join(REDACTED);
    return out;
  }

  #forget(needle: string): void {
    this.#needles.delete(needle);
    const prefix = needle.slice(0, MIN_REDACTED_LENGTH);
    const set = this.#byPrefix.get(prefix);
    set?.delete(needle);
    if (set?.size === 0) this.#byPrefix.delete(prefix);
  }
}

/** The process's registry: one controller process, one set of values it handled. */
export const sensitiveValues = new SensitiveValues();

/** Remembers secret values so condition and Event messages never show them. */
export function rememberSensitiveValues(values: Iterable<string | Uint8Array>): void {
  sensitiveValues.remember(values);
}

/** What setCondition and the event recorder write: the message without remembered values or credentials. */
export function scrubMessage(message: string): string {
  return sensitiveValues.scrub(message);
}

// Credential shapes that are secret whoever wrote them: Vault/OpenBao tokens (hvs./hvb./hvr.
// and the legacy s.<24>), JSON Web Tokens (service-account tokens), bearer headers. Each is
// a linear regex (no nested quantifiers), so a hostile message cannot make it backtrack.
const CREDENTIAL_SHAPES: RegExp[] = [
  /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g,
  /\bs\.[A-Za-z0-9]{24}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /\b(Bearer|Basic) [A-Za-z0-9._~+/=-]{8,}/gi,
];

const PEM_PRIVATE_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = '-----END ';

/** Removes credential-shaped strings and PEM private key blocks (found by indexOf, not a backtracking regex). */
export function scrubCredentialShapes(message: string): string {
  let out = message;
  for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, REDACTED);
  for (let begin = out.search(PEM_PRIVATE_BEGIN); begin >= 0; begin = out.search(PEM_PRIVATE_BEGIN)) {
    const endLabel = out.indexOf(PEM_END, begin + 10);
    const endLine = endLabel < 0 ? -1 : out.indexOf('-----', endLabel + PEM_END.length);
    const stop = endLine < 0 ? out.length : endLine + 5;
    out = `${out.slice(0, begin)}${REDACTED}${out.slice(stop)}`;
  }
  return out;
}
