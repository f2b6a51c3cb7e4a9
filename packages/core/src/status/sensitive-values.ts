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
const MIN_REMEMBERED_LENGTH = 6;

export class SensitiveValues {
  /** needle → itself, in least-recently-remembered order (a Map keeps insertion order). */
  readonly #needles = new Map<string, true>();
  /**
   * First MIN_REDACTED_LENGTH characters → needle length → the needles of that start and length,
   * for a single pass over a message. Grouping by length keeps a position whose start matches
   * thousands of needles (values `value-0` … `value-1999`, base64 of similar JSON) at one lookup
   * per distinct length instead of one comparison per needle.
   */
  readonly #byPrefix = new Map<string, Map<number, Set<string>>>();
  /**
   * How many keys of #byPrefix hash to each slot: a position whose slot is 0 starts no needle,
   * so the scan slices and looks up only at the few positions that may (a 32 KiB message
   * costs a fraction of a millisecond, not one string allocation per character).
   */
  readonly #prefixSlots = new Uint16Array(PREFIX_SLOTS);
  readonly #maxNeedles: number;

  constructor(opts: { maxNeedles?: number } = {}) {
    this.#maxNeedles = opts.maxNeedles ?? DEFAULT_MAX_NEEDLES;
  }

  remember(values: Iterable<string | Uint8Array>): void {
    for (const value of values) {
      if (value.length < MIN_REMEMBERED_LENGTH) continue;
      // Runs on every Secret write and provider read: encode only the start each needle keeps
      // (base64 and JSON-escaping of a prefix are prefixes of the whole; the one extra character
      // keeps a surrogate pair at the cut whole).
      const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
      for (const full of needlesOf(text.slice(0, MAX_NEEDLE_CHARS + 1))) {
        const needle = full.length > MAX_NEEDLE_CHARS ? full.slice(0, MAX_NEEDLE_CHARS) : full;
        if (this.#needles.delete(needle)) {
          this.#needles.set(needle, true);
          continue;
        }
        this.#needles.set(needle, true);
        const prefix = needle.slice(0, MIN_REDACTED_LENGTH);
        let byLength = this.#byPrefix.get(prefix);
        if (!byLength) {
          byLength = new Map();
          this.#byPrefix.set(prefix, byLength);
          this.#countPrefix(prefix, 1);
        }
        let set = byLength.get(needle.length);
        if (!set) {
          set = new Set();
          byLength.set(needle.length, set);
        }
        set.add(needle);
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
    this.#prefixSlots.fill(0);
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
    /** How many needles of each group were found; a group found whole is skipped at later positions. */
    const foundIn = new Map<Set<string>, number>();
    const slots = this.#prefixSlots;
    for (let i = 0; i + MIN_REDACTED_LENGTH <= message.length; i++) {
      if (slots[prefixSlot(message, i)] === 0) continue;
      const byLength = this.#byPrefix.get(message.slice(i, i + MIN_REDACTED_LENGTH));
      if (!byLength) continue;
      for (const [length, needles] of byLength) {
        if (i + length > message.length || foundIn.get(needles) === needles.size) continue;
        const hit = findAt(message, i, length, needles, found);
        if (hit === undefined) continue;
        found.add(hit);
        foundIn.set(needles, (foundIn.get(needles) ?? 0) + 1);
      }
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
    const byLength = this.#byPrefix.get(prefix);
    const set = byLength?.get(needle.length);
    set?.delete(needle);
    if (set?.size === 0) byLength?.delete(needle.length);
    if (byLength?.size === 0) {
      this.#byPrefix.delete(prefix);
      this.#countPrefix(prefix, -1);
    }
  }

  #countPrefix(prefix: string, delta: 1 | -1): void {
    const slot = prefixSlot(prefix, 0);
    this.#prefixSlots[slot] = (this.#prefixSlots[slot] ?? 0) + delta;
  }
}

/** 2^20 slots (2 MiB): with 60,000 needles at most, about one position in twenty passes the filter by chance. */
const PREFIX_SLOTS = 1 << 20;

/** The slot of the MIN_REDACTED_LENGTH characters of `text` at `at` (the caller checks they exist). */
function prefixSlot(text: string, at: number): number {
  let h = 0;
  for (let k = 0; k < MIN_REDACTED_LENGTH; k++) h = Math.imul(h ^ text.charCodeAt(at + k), 0x01000193);
  return (h ^ (h >>> 15)) & (PREFIX_SLOTS - 1);
}

/** Few needles of one length are compared in place; more are looked up by the message's slice (one hash). */
const COMPARE_AT_MOST = 8;

/** The needle of `needles` (all `length` long) that `message` has at `at`, when one not `found` yet does. */
function findAt(
  message: string,
  at: number,
  length: number,
  needles: Set<string>,
  found: Set<string>,
): string | undefined {
  if (needles.size <= COMPARE_AT_MOST) {
    for (const needle of needles) if (!found.has(needle) && message.startsWith(needle, at)) return needle;
    return undefined;
  }
  const slice = message.slice(at, at + length);
  return needles.has(slice) && !found.has(slice) ? slice : undefined;
}

/** The process's registry: one controller process, one set of values it handled. */
export const sensitiveValues = new SensitiveValues();

/** Remembers secret values so condition and Event messages never show them. */
export function rememberSensitiveValues(values: Iterable<string | Uint8Array>): void {
  sensitiveValues.remember(values);
}

/**
 * What setCondition and the event recorder write: the message without remembered values or
 * credentials, for a reader who sees only the first `shown` characters: a message of
 * megabytes (an error quoting a hostile spec) costs a scan of `shown` plus two remembered
 * prefixes, not of all of it. Past the scan the text is dropped, and so are the scan's last
 * MAX_NEEDLE_CHARS characters, where a value cut in two (unrecognisable) could start; `...`
 * marks the cut. Redactions shrink the text, so what is kept is still at least `shown` long
 * unless they removed that much.
 */
export function scrubMessageHead(message: string, shown: number): string {
  const scanned = shown + 2 * MAX_NEEDLE_CHARS;
  if (message.length <= scanned) return sensitiveValues.scrub(message);
  const out = sensitiveValues.scrub(message.slice(0, scanned));
  return `${out.slice(0, out.length - MAX_NEEDLE_CHARS)}...`;
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
