// The controller's `--namespace` scope (repeatable): namespaced kinds are watched with one
// informer per watched namespace, so two controllers scoped to different namespaces never act
// on each other's objects; without the flag one cluster-wide informer serves each kind.
// Cluster-scoped kinds are always watched cluster-wide.

import type { KubernetesObject } from '@kubernetes/client-node';
import { type InformerHandlers, type InformerOptions, ResourceInformer } from './informer.ts';

/**
 * One informer over several namespaces: the first namespace is served by this object itself,
 * the others by inner informers; reads and handlers fan out to the right one.
 */
export class MultiNamespaceInformer<T extends KubernetesObject> extends ResourceInformer<T> {
  readonly #first: string;
  readonly #others: Map<string, ResourceInformer<T>>;

  constructor(options: Omit<InformerOptions, 'namespace'>, namespaces: readonly string[]) {
    const [first, ...rest] = namespaces;
    if (first === undefined) throw new Error('MultiNamespaceInformer needs at least one namespace');
    super({ ...options, namespace: first });
    this.#first = first;
    this.#others = new Map(rest.map((ns) => [ns, new ResourceInformer<T>({ ...options, namespace: ns })]));
  }

  override async start(): Promise<void> {
    await Promise.all([super.start(), ...[...this.#others.values()].map((i) => i.start())]);
  }

  override async stop(): Promise<void> {
    await Promise.all([super.stop(), ...[...this.#others.values()].map((i) => i.stop())]);
  }

  override hasSynced(): boolean {
    return super.hasSynced() && [...this.#others.values()].every((i) => i.hasSynced());
  }

  override async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([super.waitForSync(signal), ...[...this.#others.values()].map((i) => i.waitForSync(signal))]);
  }

  override get(namespace: string | undefined, name: string): T | undefined {
    if (!namespace || namespace === this.#first) return super.get(namespace, name);
    return this.#others.get(namespace)?.get(namespace, name);
  }

  override list(namespace?: string): readonly T[] {
    if (namespace === this.#first) return super.list(namespace);
    if (namespace) return this.#others.get(namespace)?.list(namespace) ?? [];
    return [...super.list(), ...[...this.#others.values()].flatMap((i) => i.list())];
  }

  override on(handlers: InformerHandlers<T>): () => void {
    const offs = [super.on(handlers), ...[...this.#others.values()].map((i) => i.on(handlers))];
    return () => {
      for (const off of offs) off();
    };
  }
}

/** An informer for a namespaced kind within the watch scope (`[]`: every namespace). */
export function scopedInformer<T extends KubernetesObject>(
  options: Omit<InformerOptions, 'namespace'>,
  namespaces: readonly string[],
): ResourceInformer<T> {
  if (namespaces.length === 0) return new ResourceInformer<T>(options);
  if (namespaces.length === 1) return new ResourceInformer<T>({ ...options, namespace: namespaces[0] as string });
  return new MultiNamespaceInformer<T>(options, namespaces);
}
