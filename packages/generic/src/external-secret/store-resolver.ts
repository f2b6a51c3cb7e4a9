// Finds the store an ExternalSecret names, enforces namespace isolation and ClusterSecretStore
// conditions, and hands out the store's reused provider client (one per store
// configuration, read-coalesced). Stores are read from informer caches, never fetched.

import type { V1Namespace } from '@kubernetes/client-node';
import {
  ClientCache,
  CoalescingClient,
  type KubeAccess,
  type LabelSelector,
  matchesLabelSelector,
  type Provider,
  type ProviderContext,
  type ProviderRegistry,
  type SecretsClient,
  type StoreRef,
} from '@lockstep/core';
import { goRegExp } from './rewrite.ts';

export interface ObjectCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
}

export interface StoreObject {
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: {
    controller?: string;
    provider?: Record<string, unknown>;
    conditions?: Array<{
      namespaceSelector?: LabelSelector;
      namespaces?: string[];
      namespaceRegexes?: string[];
    }>;
  };
}

export type StoreErrorReason = 'StoreNotFound' | 'StoreNotAllowed' | 'InvalidStoreSpec' | 'ProviderNotSupported';

export class StoreError extends Error {
  readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface StoreResolverDeps {
  secretStores: ObjectCache<StoreObject>;
  clusterSecretStores: ObjectCache<StoreObject>;
  namespaces: ObjectCache<V1Namespace>;
  registry: ProviderRegistry;
  kube: KubeAccess;
  clock: { now(): Date };
  /** How long an identical read is shared between ExternalSecrets. */
  coalesceWindowMs: number;
}

export class StoreResolver {
  readonly clients = new ClientCache();
  readonly #clientKeys = new WeakMap<object, Map<string, string>>();
  readonly #deps: StoreResolverDeps;

  constructor(deps: StoreResolverDeps) {
    this.#deps = deps;
  }

  /** The store object and its provider, after the isolation checks. */
  resolve(
    namespace: string,
    ref: { name: string; kind?: string },
    opts: { checkConditions?: boolean } = {},
  ): { store: StoreObject; storeRef: StoreRef; provider: Provider; spec: unknown } {
    const kind = ref.kind ?? 'SecretStore';
    if (kind !== 'SecretStore' && kind !== 'ClusterSecretStore') {
      throw new StoreError(
        'InvalidStoreSpec',
        `secretStoreRef.kind "${kind}" must be SecretStore or ClusterSecretStore`,
      );
    }
    const store =
      kind === 'SecretStore'
        ? this.#deps.secretStores.get(namespace, ref.name)
        : this.#deps.clusterSecretStores.get(undefined, ref.name);
    if (!store) {
      const where = kind === 'SecretStore' ? ` in namespace "${namespace}"` : '';
      throw new StoreError('StoreNotFound', `${kind} "${ref.name}" not found${where}: create it or fix secretStoreRef`);
    }
    if (kind === 'ClusterSecretStore' && opts.checkConditions !== false && !this.namespaceAllowed(store, namespace)) {
      throw new StoreError(
        'StoreNotAllowed',
        `ClusterSecretStore "${ref.name}" does not allow namespace "${namespace}" (see its spec.conditions)`,
      );
    }
    const entries = Object.entries(store.spec?.provider ?? {});
    if (entries.length !== 1) {
      throw new StoreError('InvalidStoreSpec', `${kind} "${ref.name}" must set exactly one provider`);
    }
    const [name, spec] = entries[0]!;
    const provider = this.#deps.registry.provider(name);
    if (!provider) {
      throw new StoreError(
        'ProviderNotSupported',
        `provider "${name}" of ${kind} "${ref.name}" is not enabled in this controller`,
      );
    }
    const storeRef: StoreRef =
      kind === 'SecretStore' ? { kind, name: ref.name, namespace } : { kind: 'ClusterSecretStore', name: ref.name };
    const problems = provider.validateSpec(spec, storeRef);
    if (problems.length > 0) throw new StoreError('InvalidStoreSpec', `${kind} "${ref.name}": ${problems.join('; ')}`);
    return { store, storeRef, provider, spec };
  }

  /**
   * The reused, read-coalescing client of a store, as seen from `namespace`. `maxAgeMs` bounds
   * how old a shared answer may be (half the caller's refresh interval).
   */
  async client(
    namespace: string,
    ref: { name: string; kind?: string },
    opts: { checkConditions?: boolean; maxAgeMs?: number } = {},
  ): Promise<SecretsClient> {
    const { storeRef, provider, spec } = this.resolve(namespace, ref, opts);
    // A ClusterSecretStore reads credentials from the ExternalSecret's namespace when they
    // name none, so its client identity includes that namespace.
    const ctx = { store: storeRef, namespace: storeRef.namespace ?? namespace, kube: this.#deps.kube };
    const key = this.#clientKey(provider, spec, ctx);
    const storeId = `${storeRef.kind}/${storeRef.namespace ?? ''}/${storeRef.name}@${ctx.namespace}`;
    const client = await this.clients.get(storeId, key, async () => {
      const inner = await provider.newClient(spec, ctx);
      return new CoalescingClient(inner, { windowMs: this.#deps.coalesceWindowMs, clock: this.#deps.clock });
    });
    return opts.maxAgeMs !== undefined && client instanceof CoalescingClient
      ? client.withMaxAge(opts.maxAgeMs)
      : client;
  }

  /**
   * The provider's client key, remembered per spec object (the informer replaces it when the
   * store changes) and namespace: hashing the spec on every reconcile showed in CPU profiles.
   */
  #clientKey(provider: Provider<unknown>, spec: unknown, ctx: ProviderContext): string {
    if (spec === null || typeof spec !== 'object') return `${provider.name}:${provider.clientKey(spec, ctx)}`;
    let perNamespace = this.#clientKeys.get(spec);
    if (!perNamespace) {
      perNamespace = new Map();
      this.#clientKeys.set(spec, perNamespace);
    }
    let key = perNamespace.get(ctx.namespace);
    if (key === undefined) {
      key = `${provider.name}:${provider.clientKey(spec, ctx)}`;
      perNamespace.set(ctx.namespace, key);
    }
    return key;
  }

  /** ClusterSecretStore `spec.conditions`: no conditions means every namespace; any matching entry allows. */
  namespaceAllowed(store: StoreObject, namespace: string): boolean {
    const conditions = store.spec?.conditions;
    if (!conditions || conditions.length === 0) return true;
    const labels = this.#deps.namespaces.get(undefined, namespace)?.metadata?.labels;
    return conditions.some((c) => {
      if (c.namespaces?.includes(namespace)) return true;
      if (c.namespaceRegexes?.some((re) => safeTest(re, namespace))) return true;
      return c.namespaceSelector !== undefined && matchesLabelSelector(c.namespaceSelector, labels);
    });
  }
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return goRegExp(pattern).test(value);
  } catch {
    return false;
  }
}
