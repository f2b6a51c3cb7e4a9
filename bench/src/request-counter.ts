// API traffic from kube-apiserver's audit log (request-log shape), drained often
// into running totals by verb and resource, so a phase's traffic is a difference of totals.

import type { RequestLogEntry } from '@lockstep/sandbox';

export type Counts = Record<string, number>;

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface ApiTraffic {
  /** create/update/patch/delete, by `verb resource[/subresource]`. */
  writes: Counts;
  writeTotal: number;
  /** Writes to Secrets only (create/update/patch/delete of `secrets`). */
  secretWrites: number;
  /** get/list/watch by `verb resource`. */
  reads: Counts;
  readTotal: number;
}

export class RequestCounter {
  readonly #source: { take(): RequestLogEntry[] };
  readonly #totals: Counts = {};
  readonly #timer: NodeJS.Timeout;

  /** `source`: the cluster's AuditLog (its `take` reads and forgets in one step). */
  constructor(source: { take(): RequestLogEntry[] }, drainEveryMs = 500) {
    this.#source = source;
    this.#timer = setInterval(() => this.drain(), drainEveryMs);
    this.#timer.unref();
  }

  /** Moves what the log holds into the totals (one take: no entry is lost between read and clear). */
  drain(): void {
    const entries = this.#source.take();
    for (const e of entries) {
      const key = `${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`;
      this.#totals[key] = (this.#totals[key] ?? 0) + 1;
    }
  }

  snapshot(): Counts {
    this.drain();
    return { ...this.#totals };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export function trafficBetween(before: Counts, after: Counts): ApiTraffic {
  const writes: Counts = {};
  const reads: Counts = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d === 0) continue;
    const verb = key.split(' ')[0] ?? '';
    if (WRITE_VERBS.has(verb)) writes[key] = d;
    else reads[key] = d;
  }
  const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
  const secretWrites = sum(Object.fromEntries(Object.entries(writes).filter(([k]) => k.endsWith(' secrets'))));
  return { writes, writeTotal: sum(writes), secretWrites, reads, readTotal: sum(reads) };
}

/**
 * Waits until no API write has landed for `quietMs` (at most `maxMs`), so writes a controller
 * still had queued when a phase's last object turned Ready (client-go sends events from a
 * queue, one at a time) are counted in that phase, not the next.
 */
export async function writesSettled(requests: RequestCounter, quietMs = 2000, maxMs = 30_000): Promise<void> {
  const writes = () => trafficBetween({}, requests.snapshot()).writeTotal;
  const deadline = performance.now() + maxMs;
  let last = writes();
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietMs && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = writes();
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    }
  }
}
