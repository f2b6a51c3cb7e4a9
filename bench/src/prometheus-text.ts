// Just enough of the Prometheus text format to sum counters by label from /metrics.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m?.[1] || m[4] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (l[1]) labels[l[1]] = l[2] ?? '';
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

/** Sum of `name` grouped by the values of `by` (joined with '/'), over samples matching `where`. */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  by: readonly string[],
  where: Record<string, string> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => s.labels[k] !== v)) continue;
    const key = by.map((b) => s.labels[b] ?? '').join('/') || 'all';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** after - before, key by key (counters only grow; a missing key counts as 0). */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * The q-quantile of histogram `name` between two scrapes, interpolated linearly inside its
 * bucket as Prometheus's histogram_quantile() does; undefined when nothing was observed.
 */
export function histogramQuantile(
  q: number,
  name: string,
  after: readonly Sample[],
  before: readonly Sample[] = [],
): number | undefined {
  const buckets = delta(sumBy(after, `${name}_bucket`, ['le']), sumBy(before, `${name}_bucket`, ['le']));
  const sorted = Object.entries(buckets)
    .map(([le, count]) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count }))
    .sort((a, b) => a.le - b.le);
  const all = sorted.at(-1)?.count ?? 0;
  if (all === 0) return undefined;
  const rank = q * all;
  let lower = 0;
  let below = 0;
  for (const { le, count } of sorted) {
    if (count >= rank) {
      // Past the last finite bound, Prometheus answers that bound.
      if (le === Number.POSITIVE_INFINITY) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(1, count - below));
    }
    lower = le;
    below = count;
  }
  return lower;
}
