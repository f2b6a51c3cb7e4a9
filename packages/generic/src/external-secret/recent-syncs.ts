// What this process last wrote to each ExternalSecret's status, until the informer cache shows
// it. The cache lags behind our own status patch: the new Secret's watch event can re-queue the
// object before the status arrives, and that reconcile would see "never synced" and sync again —
// a Password generator would then hand out a second password and restart the workloads.

import type { MultiLedgerStatus } from '@lockstep/core';

export interface SyncedStatus {
  refreshTime: string;
  syncedResourceVersion: string;
  binding: { name: string };
}

/** Entries normally live for one watch round trip; the cap bounds objects deleted before that. */
const MAX_ENTRIES = 10_000;

export class RecentSyncs {
  readonly #byUid = new Map<string, SyncedStatus>();
  /** `status.lockstep` (lease ledgers): a lagging ledger would renew or re-issue a second time. */
  readonly #ledgers = new Map<string, MultiLedgerStatus>();

  remember(uid: string | undefined, status: SyncedStatus): void {
    if (!uid) return;
    this.#byUid.delete(uid);
    this.#byUid.set(uid, status);
    if (this.#byUid.size > MAX_ENTRIES) this.#byUid.delete(this.#byUid.keys().next().value as string);
  }

  rememberLedgers(uid: string | undefined, lockstep: MultiLedgerStatus): void {
    if (!uid) return;
    this.#ledgers.delete(uid);
    this.#ledgers.set(uid, lockstep);
    if (this.#ledgers.size > MAX_ENTRIES) this.#ledgers.delete(this.#ledgers.keys().next().value as string);
  }

  /** The cached ledgers, or the ones we wrote until the cache shows exactly them. */
  freshestLedgers(uid: string | undefined, cached: MultiLedgerStatus | undefined): MultiLedgerStatus | undefined {
    const written = uid ? this.#ledgers.get(uid) : undefined;
    if (!written) return cached;
    if (canonical(cached ?? {}) === canonical(written)) {
      this.#ledgers.delete(uid as string);
      return cached;
    }
    return written;
  }

  /** The cached status, or what we wrote since if the cache has not caught up with it yet. */
  freshest(uid: string | undefined, cached: Partial<SyncedStatus> | undefined): Partial<SyncedStatus> {
    const written = uid ? this.#byUid.get(uid) : undefined;
    if (!written) return cached ?? {};
    if (cached?.refreshTime !== undefined && caughtUp(cached, written)) {
      this.#byUid.delete(uid as string);
      return cached;
    }
    return written;
  }
}

/** refreshTime has second precision, so within one second the synced version tells the writes apart. */
function caughtUp(cached: Partial<SyncedStatus>, written: SyncedStatus): boolean {
  const cachedAt = Date.parse(cached.refreshTime ?? '');
  const writtenAt = Date.parse(written.refreshTime);
  return (
    cachedAt > writtenAt || (cachedAt === writtenAt && cached.syncedResourceVersion === written.syncedResourceVersion)
  );
}

/** JSON with sorted keys: the API server answers our patch in its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
