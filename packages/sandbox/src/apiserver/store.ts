import { clone, type KubeObject, objectKey } from './kube-object.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change in the store; `previous` lets watches with selectors turn a change into ADDED or DELETED. */
export type StoreEvent = {
  type: EventType;
  rv: number;
  storageKey: string;
  object: KubeObject;
  previous?: KubeObject;
};

export type StoreListener = (event: StoreEvent) => void;

/**
 * All objects in memory under one global, monotonically increasing resourceVersion (like etcd's revision),
 * with a bounded history of changes that watches replay from.
 */
export class Store {
  private rv = 0;
  /** Watches may resume from any resourceVersion >= floor; older ones get 410 Gone. */
  private floor = 0;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly byUid = new Map<string, { storageKey: string; key: string }>();
  /** Objects per namespace, so a terminating namespace knows it is empty without a scan. */
  private readonly perNamespace = new Map<string, number>();
  private history: StoreEvent[] = [];
  private readonly historySize: number;
  private readonly listeners = new Set<StoreListener>();
  private readonly pending: StoreEvent[] = [];
  private delivering = false;

  constructor(historySize: number) {
    this.historySize = historySize;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResumable(): number {
    return this.floor;
  }

  private bucket(storageKey: string): Map<string, KubeObject> {
    let b = this.buckets.get(storageKey);
    if (!b) {
      b = new Map();
      this.buckets.set(storageKey, b);
    }
    return b;
  }

  /** The stored object itself: callers clone before changing it. */
  get(storageKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(storageKey)?.get(objectKey(namespace, name));
  }

  /** Objects of one storage key, optionally in one namespace, sorted by namespace and name. */
  list(storageKey: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(storageKey);
    if (!bucket) return [];
    const out: KubeObject[] = [];
    for (const obj of bucket.values()) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    }
    return out.sort(compareObjects);
  }

  /** Every object carrying `uid` (for owner lookups). */
  getByUid(uid: string): { storageKey: string; object: KubeObject } | undefined {
    const ref = this.byUid.get(uid);
    if (!ref) return undefined;
    const object = this.buckets.get(ref.storageKey)?.get(ref.key);
    return object ? { storageKey: ref.storageKey, object } : undefined;
  }

  storageKeys(): string[] {
    return [...this.buckets.keys()];
  }

  /** Stores a copy of `obj` under a new resourceVersion and tells the watches; returns the stored object. */
  put(storageKey: string, obj: KubeObject): KubeObject {
    const name = obj.metadata.name ?? '';
    const key = objectKey(obj.metadata.namespace, name);
    const bucket = this.bucket(storageKey);
    const previous = bucket.get(key);
    const stored = clone(obj);
    this.rv++;
    stored.metadata.resourceVersion = String(this.rv);
    bucket.set(key, stored);
    if (!previous) this.count(stored.metadata.namespace, 1);
    if (stored.metadata.uid) this.byUid.set(stored.metadata.uid, { storageKey, key });
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', rv: this.rv, storageKey, object: stored, previous });
    return stored;
  }

  /** Removes an object; the DELETED event carries the deletion's resourceVersion, as kube-apiserver does. */
  remove(
    storageKey: string,
    namespace: string | undefined,
    name: string,
    finalState?: KubeObject,
  ): KubeObject | undefined {
    const key = objectKey(namespace, name);
    const bucket = this.buckets.get(storageKey);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    this.count(previous.metadata.namespace, -1);
    if (previous.metadata.uid) this.byUid.delete(previous.metadata.uid);
    this.rv++;
    const gone = clone(finalState ?? previous);
    gone.metadata.resourceVersion = String(this.rv);
    this.emit({ type: 'DELETED', rv: this.rv, storageKey, object: gone, previous });
    return gone;
  }

  /** Drops every object of a storage key without events (a CRD's instances after the CRD is gone). */
  dropBucket(storageKey: string): void {
    for (const obj of this.buckets.get(storageKey)?.values() ?? []) this.count(obj.metadata.namespace, -1);
    this.buckets.delete(storageKey);
  }

  /** How many objects of any type live in `namespace`. */
  countIn(namespace: string): number {
    return this.perNamespace.get(namespace) ?? 0;
  }

  private count(namespace: string | undefined, delta: number): void {
    if (!namespace) return;
    const n = (this.perNamespace.get(namespace) ?? 0) + delta;
    if (n > 0) this.perNamespace.set(namespace, n);
    else this.perNamespace.delete(namespace);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.floor = dropped[dropped.length - 1]?.rv ?? this.floor;
    }
    this.pending.push(event);
    if (this.delivering) return;
    // Listeners (controllers) may write again: queue those events so every listener sees changes in
    // resourceVersion order, and the outermost write returns only after everything was delivered.
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const listener of this.listeners) {
          try {
            listener(next);
          } catch (err) {
            // A failing controller must not stop the others or the watches.
            console.error('apiserver: store listener failed', err);
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Changes after `rv` (exclusive), or undefined when some of them were already compacted away. */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.floor) return undefined;
    const start = this.history.findIndex((e) => e.rv > rv);
    return start < 0 ? [] : this.history.slice(start);
  }

  /**
   * Forgets the history, as etcd compaction does. The revision moves on (other writers always move it in a real
   * cluster), so every watch resuming from before now gets 410 Gone while a fresh list can watch again.
   */
  compact(): void {
    this.rv++;
    this.floor = this.rv;
    this.history = [];
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const ka = objectKey(a.metadata.namespace, a.metadata.name ?? '');
  const kb = objectKey(b.metadata.namespace, b.metadata.name ?? '');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
