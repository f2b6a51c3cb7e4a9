// The waits of B1 and B2, the same for Lockstep's run and ESO's: every ExternalSecret Ready, and
// one whole periodic refresh (every refreshTime moved), both followed through the tracker's watch.

import { mib } from './stats.ts';
import type { SyncTracker } from './sync-tracker.ts';
import { type WaitAllResult, waitAll } from './wait-all.ts';

/** B1: until every key is Ready; a count that has not moved for 90 s gives up (a stalled controller). */
export function allReady(
  tracker: SyncTracker,
  keys: readonly string[],
  timeoutMs: number,
  progress: (done: number) => void,
): Promise<WaitAllResult> {
  return waitAll(
    keys,
    (k) => tracker.es.get(k)?.ready === true,
    (k) => tracker.es.get(k)?.readyAt ?? 0,
    timeoutMs,
    progress,
    90_000,
  );
}

/** B2: until every key's refreshTime moved from `baseline`, then a second for the last writes to land. */
export async function refreshCycle(
  tracker: SyncTracker,
  keys: readonly string[],
  baseline: ReadonlyMap<string, string | undefined>,
  timeoutMs: number,
  progress: (done: number) => void,
): Promise<WaitAllResult> {
  const result = await waitAll(
    keys,
    (k) => {
      const s = tracker.es.get(k);
      return s !== undefined && s.refreshTime !== baseline.get(k);
    },
    (k) => tracker.es.get(k)?.refreshAt ?? 0,
    timeoutMs,
    progress,
  );
  await new Promise((r) => setTimeout(r, 1000));
  return result;
}

export function controllerSummary(final: { peakRssBytes: number; cpuSeconds: number }, errorLines: string[]) {
  return {
    peakRssMiB: mib(final.peakRssBytes),
    cpuSeconds: final.cpuSeconds,
    errorLogLines: errorLines.length,
    firstErrorLines: errorLines.slice(0, 3).map((l) => l.slice(0, 500)),
  };
}
