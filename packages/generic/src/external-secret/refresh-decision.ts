// Step "decide" of the ExternalSecret reconciler: a pure function that says whether to
// sync now and why, or when to look again. The reason goes into events, logs and metrics.

import { createHash } from 'node:crypto';

export type RefreshPolicy = 'Periodic' | 'OnChange' | 'CreatedOnce';

export type SyncReason = 'InitialSync' | 'SpecChanged' | 'RefreshDue' | 'TargetMissing' | 'TargetDrifted';

export type RefreshDecision = { sync: true; reason: SyncReason } | { sync: false; requeueAfterMs?: number };

export interface RefreshInput {
  now: Date;
  /** The version the spec is at now (see `specVersion`). */
  specVersion: string;
  /** status.syncedResourceVersion: the spec version of the last successful sync. */
  syncedVersion?: string;
  /** status.refreshTime of the last successful sync. */
  refreshTime?: Date;
  refreshPolicy: RefreshPolicy;
  refreshIntervalMs: number;
  /** Offset of this object's refresh slots in [0, interval): see `refreshPhaseMs`. */
  phaseMs: number;
  /** What the target Secret looks like compared with the last write. */
  target: 'InSync' | 'Missing' | 'Drifted' | 'NotManaged';
}

/**
 * ESO's `syncedResourceVersion`: the generation plus a hash of labels and annotations, so
 * a `force-sync` annotation (or any metadata change) triggers a sync as it does in ESO.
 */
export function specVersion(meta: {
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): string {
  const hash = createHash('sha256');
  for (const map of [meta.labels ?? {}, meta.annotations ?? {}]) {
    for (const key of Object.keys(map).sort()) {
      if (key === 'kubectl.kubernetes.io/last-applied-configuration') continue;
      hash.update(`${key}=${map[key]};`);
    }
    hash.update('|');
  }
  return `${meta.generation ?? 0}-${hash.digest('hex').slice(0, 16)}`;
}

export function decideRefresh(input: RefreshInput): RefreshDecision {
  if (!input.refreshTime || input.syncedVersion === undefined) return { sync: true, reason: 'InitialSync' };
  if (input.syncedVersion !== input.specVersion) return { sync: true, reason: 'SpecChanged' };
  if (input.target === 'Missing') {
    // CreatedOnce means exactly that: a Secret deleted by hand is not brought back.
    return input.refreshPolicy === 'CreatedOnce' ? { sync: false } : { sync: true, reason: 'TargetMissing' };
  }
  if (input.target === 'Drifted' && input.refreshPolicy !== 'CreatedOnce')
    return { sync: true, reason: 'TargetDrifted' };
  if (input.refreshPolicy !== 'Periodic' || input.refreshIntervalMs <= 0) return { sync: false };

  const due = nextRefreshAt(input.refreshTime, input.refreshIntervalMs, input.phaseMs).getTime();
  const wait = due - input.now.getTime();
  return wait <= 0 ? { sync: true, reason: 'RefreshDue' } : { sync: false, requeueAfterMs: wait };
}

/**
 * Periodic refreshes happen in slots: the instants `phase + k * interval` on the wall clock.
 * The next refresh is the first slot at least half an interval (and a second, the precision
 * of status.refreshTime) after the last one, so an object refreshes about once per interval,
 * never twice in a slot, and keeps its slot across controller restarts.
 */
export function nextRefreshAt(refreshTime: Date, intervalMs: number, phaseMs: number): Date {
  const earliest = refreshTime.getTime() + Math.max(intervalMs / 2, 1000);
  const k = Math.ceil((earliest - phaseMs) / intervalMs);
  return new Date(k * intervalMs + phaseMs);
}

/**
 * The phase of an object's refresh slots. ExternalSecrets that read the same store with the
 * same interval share a phase (seeded by the store and the interval), so their identical
 * reads fall into one coalescing window; different stores get different phases, spread over
 * the whole interval, so neither a restart nor a shared interval lines every refresh up.
 */
export function refreshPhaseMs(intervalMs: number, seedFraction: number): number {
  return Math.floor(intervalMs * Math.min(Math.max(seedFraction, 0), 0.999999));
}
