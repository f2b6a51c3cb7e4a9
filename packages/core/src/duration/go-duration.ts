// ESO and VSO spell intervals as Go durations (`1h`, `30s`, `1h30m`, `500ms`, `0`), and VSO
// adds day suffixes in some fields (`7d`). One parser serves every kind.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;

export class DurationError extends Error {}

/** Milliseconds of a Go duration string; throws DurationError with a message that says how to write one. */
export function parseGoDuration(text: string, field = 'duration'): number {
  const s = text.trim();
  if (s === '0') return 0;
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
  }
  if (pos !== s.length || s.length === 0) {
    throw new DurationError(`${field} "${preview(text)}" is not a duration: write it like 30s, 15m, 1h or 1h30m`);
  }
  // Go's time.Duration is int64 nanoseconds: ESO and VSO refuse anything longer, and so do we
  // (a 10^13 h refreshInterval would otherwise become a timer Node cannot honour).
  if (!(total <= MAX_GO_DURATION_MS)) {
    throw new DurationError(`${field} "${preview(text)}" is longer than the longest Go duration (about 2562047h)`);
  }
  return Math.round(total);
}

/** 2^63-1 nanoseconds, in milliseconds. */
const MAX_GO_DURATION_MS = 9_223_372_036_854;

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A Go-style rendering (`1h30m0s` becomes `1h30m`), for status fields and messages. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join('') || `${ms}ms`;
}
