// An informer cache of one Vault-native kind for reconciler unit tests, kept in step with the
// API server as a watch would be: what the reconciler patched (status, finalizers) through the
// InMemoryStatusPatcher is what the next run loads. Spec edits bump the generation, as the API
// server does. Tests only.

import type { InMemoryStatusPatcher } from '@lockstep/core/testing';
import type { ObjectCache } from '../object-cache.ts';
import { PLURALS, type VaultKind } from '../vault-kinds.ts';

interface StoredObject {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    deletionTimestamp?: Date | string;
    finalizers?: string[];
  };
  spec: object;
  status?: object;
}

export class ResourceStore<T extends StoredObject> implements ObjectCache<T> {
  readonly #objects = new Map<string, T>();
  readonly #plural: string;
  readonly #patcher: InMemoryStatusPatcher;

  constructor(kind: VaultKind, patcher: InMemoryStatusPatcher) {
    this.#plural = PLURALS[kind];
    this.#patcher = patcher;
  }

  /** Creates the object (generation 1), as `kubectl apply` would. */
  create(obj: T): void {
    const copy = structuredClone(obj);
    copy.metadata = { ...copy.metadata, generation: 1 };
    this.#objects.set(keyOf(copy.metadata.namespace, copy.metadata.name ?? ''), copy);
  }

  /** Edits the spec; the generation moves, as the API server moves it for a spec change. */
  editSpec(namespace: string, name: string, edit: (spec: T['spec']) => void): void {
    const obj = this.#stored(namespace, name);
    edit(obj.spec);
    obj.metadata = { ...obj.metadata, generation: (obj.metadata?.generation ?? 1) + 1 };
  }

  /** `kubectl delete`: the object stays while a finalizer holds it. */
  markDeleted(namespace: string, name: string, at: Date): void {
    const obj = this.#stored(namespace, name);
    obj.metadata = { ...obj.metadata, deletionTimestamp: at.toISOString() };
  }

  get(namespace: string | undefined, name: string): T | undefined {
    const obj = this.#objects.get(keyOf(namespace, name));
    if (!obj) return undefined;
    const target = { plural: this.#plural, namespace: namespace ?? '', name };
    const status = this.#patcher.statusOf(target);
    const metadata = this.#patcher.metadataOf(target);
    const copy = structuredClone(obj);
    if (metadata?.finalizers) copy.metadata = { ...copy.metadata, finalizers: metadata.finalizers as string[] };
    if (status) copy.status = status;
    return copy;
  }

  list(namespace?: string): readonly T[] {
    return [...this.#objects.values()]
      .filter((o) => namespace === undefined || o.metadata?.namespace === namespace)
      .map((o) => this.get(o.metadata?.namespace, o.metadata?.name ?? '') as T);
  }

  /** The status as the API server holds it now. */
  status(namespace: string, name: string): T['status'] | undefined {
    return this.get(namespace, name)?.status as T['status'] | undefined;
  }

  #stored(namespace: string, name: string): T {
    const obj = this.#objects.get(keyOf(namespace, name));
    if (!obj) throw new Error(`no ${this.#plural} ${namespace}/${name} in the store`);
    return obj;
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
