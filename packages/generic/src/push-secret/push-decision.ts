// Step "decide" of the PushSecret reconciler: pure functions that say whether to push now
// (ESO's shouldRefresh) and which earlier pushes the new run no longer covers.

export type PushReason = 'InitialPush' | 'SpecChanged' | 'RefreshDue';

export type PushDecision = { push: true; reason: PushReason } | { push: false; requeueAfterMs?: number };

export interface PushDecisionInput {
  now: Date;
  specVersion: string;
  syncedVersion?: string;
  refreshTime?: Date;
  refreshIntervalMs: number;
}

/** ESO: a spec change pushes at once; `refreshInterval: 0` pushes once per spec version. */
export function decidePush(input: PushDecisionInput): PushDecision {
  if (!input.refreshTime || input.syncedVersion === undefined) return { push: true, reason: 'InitialPush' };
  if (input.syncedVersion !== input.specVersion) return { push: true, reason: 'SpecChanged' };
  if (input.refreshIntervalMs === 0) return { push: false };
  const due = input.refreshTime.getTime() + input.refreshIntervalMs;
  const wait = due - input.now.getTime();
  return wait <= 0 ? { push: true, reason: 'RefreshDue' } : { push: false, requeueAfterMs: wait };
}

/** One pushed entry as ESO records it: the `data[]` item (no value). */
export interface PushedEntry {
  match: { secretKey?: string; remoteRef: { remoteKey: string; property?: string } };
  [field: string]: unknown;
}

/** status.syncedPushSecrets: `Kind/storeName` -> `remoteKey[/property]` -> the entry. */
export type SyncedMap = Record<string, Record<string, PushedEntry>>;

/** ESO's statusRef: the remote key, plus `/property` when one is set. */
export function entryKey(ref: { remoteKey: string; property?: string }): string {
  return ref.property ? `${ref.remoteKey}/${ref.property}` : ref.remoteKey;
}

export function storeKey(ref: { kind: string; name: string }): string {
  return `${ref.kind}/${ref.name}`;
}

export function parseStoreKey(key: string): { kind: 'SecretStore' | 'ClusterSecretStore'; name: string } {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash) === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
  return { kind, name: key.slice(slash + 1) };
}

/** Entries of `previous` that `next` no longer holds: what deletionPolicy Delete removes. */
export function staleEntries(
  previous: SyncedMap,
  next: SyncedMap,
): Array<{ store: string; key: string; entry: PushedEntry }> {
  const stale: Array<{ store: string; key: string; entry: PushedEntry }> = [];
  for (const [store, entries] of Object.entries(previous)) {
    for (const [key, entry] of Object.entries(entries)) {
      if (!next[store]?.[key]) stale.push({ store, key, entry });
    }
  }
  return stale;
}

/** Whether `synced` records a push of `remoteKey` (any property) to `store`: the KV v1 ownership record. */
export function pushedBefore(synced: SyncedMap, store: string, remoteKey: string): boolean {
  return Object.values(synced[store] ?? {}).some((e) => e.match.remoteRef.remoteKey === remoteKey);
}

/** A JSON merge patch turning `previous` into `next` (removed entries become null). */
export function syncedMapPatch(previous: SyncedMap, next: SyncedMap): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const store of Object.keys(previous)) {
    if (!next[store]) patch[store] = null;
  }
  for (const [store, entries] of Object.entries(next)) {
    const inner: Record<string, unknown> = { ...entries };
    for (const key of Object.keys(previous[store] ?? {})) if (!entries[key]) inner[key] = null;
    patch[store] = inner;
  }
  return patch;
}
