// What this process last wrote to each ExternalSecret's status, until the informer cache shows
// it. The cache lags behind our own status patch: the new Secret's watch event can re-queue the
// object before the status arrives, and that reconcile would see "never synced" and sync again —
// a Password generator would then hand out a second password and restart the workloads.

export interface SyncedStatus {
  refreshTime: string;
  syncedResourceVersion: string;
  binding: { name: string };
}

/** Entries normally live for one watch round trip; the cap bounds objects deleted before that. */
const MAX_ENTRIES = 10_000;

export class RecentSyncs {
  readonly #byUid = new Map<string, SyncedStatus>();

  remember(uid: string | undefined, status: SyncedStatus): void {
    if (!uid) return;
    this.#byUid.delete(uid);
    this.#byUid.set(uid, status);
    if (this.#byUid.size > MAX_ENTRIES) this.#byUid.delete(this.#byUid.keys().next().value as string);
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
