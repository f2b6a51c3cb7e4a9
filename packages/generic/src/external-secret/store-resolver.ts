// Finds the store an ExternalSecret names, enforces namespace isolation and ClusterSecretStore
// conditions, and hands out the store's reused provider client (one per store
// configuration, read-coalesced). Stores are read from informer caches, never fetched.

import type { V1Namespace } from '@kubernetes/client-node';
import {
  ClientCache,
  CoalescingClient,
  type KubeAccess,
  type LabelSelector,
  type Provider,
  type ProviderContext,
  type ProviderRegistry,
  type SecretsClient,
  SpecProblem,
  type StoreRef,
  type UpcomingReads,
} from '@lockstep/core';
import { conditionsAllow, namespaceRegexProblems } from './namespace-conditions.ts';

export interface ObjectCache<T> {
  get(namespace: string | undefined, name: string): T | undefined;
}

export interface StoreObject {
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: {
    controller?: string;
    retrySettings?: unknown;
    provider?: Record<string, unknown>;
    conditions?: Array<{
      namespaceSelector?: LabelSelector;
      namespaces?: string[];
      namespaceRegexes?: string[];
    }>;
  };
}

export type StoreErrorReason = 'StoreNotFound' | 'StoreNotAllowed' | 'InvalidStoreSpec' | 'ProviderNotSupported';

/** A store that cannot be used as named or written; `reason` says which way. */
export class StoreError extends SpecProblem {
  override readonly reason: StoreErrorReason;
  constructor(reason: StoreErrorReason, message: string) {
    super(reason, message);
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
  /** `--controller-class`; empty or absent: this controller serves stores without spec.controller only. */
  controllerClass?: string;
  /** The reads queued reconciles will make through the client of this key (see upcoming-reads.ts). */
  upcoming?: (clientKey: string) => UpcomingReads;
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
    const store = this.#lookup(namespace, { name: ref.name, kind });
    if (!store) {
      const where = kind === 'SecretStore' ? ` in namespace "${namespace}"` : '';
      throw new StoreError('StoreNotFound', `${kind} "${ref.name}" not found${where}: create it or fix secretStoreRef`);
    }
    if (!this.serves(store)) {
      // A backstop: reconcileExternalSecret skips objects naming another class's store before any read
      // (usesOtherControllerClass); this catches a store whose spec.controller changed since.
      throw new StoreError(
        'StoreNotAllowed',
        `${kind} "${ref.name}" belongs to controller class "${store.spec?.controller}", not this controller's "${this.#deps.controllerClass ?? ''}"`,
      );
    }
    if (kind === 'ClusterSecretStore' && opts.checkConditions !== false && !this.namespaceAllowed(store, namespace)) {
      throw new StoreError(
        'StoreNotAllowed',
        `ClusterSecretStore "${ref.name}" does not allow namespace "${namespace}" (see its spec.conditions)`,
      );
    }
    const entry = providerEntry(store);
    if (!entry) {
      throw new StoreError('InvalidStoreSpec', `${kind} "${ref.name}" must set exactly one provider`);
    }
    const [name, spec] = entry;
    const provider = this.#deps.registry.provider(name);
    if (!provider) {
      throw new StoreError(
        'ProviderNotSupported',
        `provider "${name}" of ${kind} "${ref.name}" is not enabled in this controller`,
      );
    }
    const storeRef: StoreRef =
      kind === 'SecretStore' ? { kind, name: ref.name, namespace } : { kind: 'ClusterSecretStore', name: ref.name };
    const problems = [
      ...unsupportedStoreFields(store),
      ...namespaceRegexProblems(store.spec?.conditions),
      ...provider.validateSpec(spec, storeRef),
    ];
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
      const upcoming = this.#deps.upcoming?.(key);
      const inner = await provider.newClient(spec, upcoming ? { ...ctx, upcoming } : ctx);
      return new CoalescingClient(inner, { windowMs: this.#deps.coalesceWindowMs, clock: this.#deps.clock });
    });
    return opts.maxAgeMs !== undefined && client instanceof CoalescingClient
      ? client.withMaxAge(opts.maxAgeMs)
      : client;
  }

  /**
   * The key of the client an ExternalSecret in `namespace` would read `ref` through, or
   * undefined when it could not use that store now (the reason is the reconcile's to report).
   */
  clientKeyOf(namespace: string, ref: { name: string; kind?: string }): string | undefined {
    try {
      const { storeRef, provider, spec } = this.resolve(namespace, ref);
      return this.#clientKey(provider, spec, {
        store: storeRef,
        namespace: storeRef.namespace ?? namespace,
        kube: this.#deps.kube,
      });
    } catch (err) {
      if (err instanceof SpecProblem) return undefined;
      throw err;
    }
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

  /**
   * Whether a store this ExternalSecret names (its secretStoreRef or any sourceRef.storeRef)
   * belongs to another controller class: then another controller serves the ExternalSecret, and
   * this one must not write its status (ESO's "skipping unmanaged store").
   */
  usesOtherControllerClass(namespace: string, refs: Array<{ name: string; kind?: string } | undefined>): boolean {
    return refs.some((ref) => {
      const store = ref && this.#lookup(namespace, ref);
      return store !== undefined && !this.serves(store);
    });
  }

  /** The store a ref names, from the informer caches (a kind other than ClusterSecretStore reads SecretStores). */
  #lookup(namespace: string, ref: { name: string; kind?: string }): StoreObject | undefined {
    return ref.kind === 'ClusterSecretStore'
      ? this.#deps.clusterSecretStores.get(undefined, ref.name)
      : this.#deps.secretStores.get(namespace, ref.name);
  }

  /** The provider's InsecureTransport warning for this store (an http:// Vault server), if any. */
  insecureTransport(store: StoreObject): string | undefined {
    const entry = providerEntry(store);
    return entry && this.#deps.registry.provider(entry[0])?.insecureTransport?.(entry[1]);
  }

  /** Whether this controller serves the store (see servesStore). */
  serves(store: StoreObject): boolean {
    return servesStore(store, this.#deps.controllerClass);
  }

  /** ClusterSecretStore `spec.conditions`: no conditions means every namespace; any matching entry allows. */
  namespaceAllowed(store: StoreObject, namespace: string): boolean {
    const labels = this.#deps.namespaces.get(undefined, namespace)?.metadata?.labels;
    const allowed = conditionsAllow(store.spec?.conditions, namespace, labels);
    // Refused because a pattern is broken: say so, rather than "does not allow namespace".
    const broken = allowed ? [] : namespaceRegexProblems(store.spec?.conditions);
    if (broken.length > 0) {
      throw new StoreError('InvalidStoreSpec', `ClusterSecretStore "${store.metadata?.name}": ${broken.join('; ')}`);
    }
    return allowed;
  }
}

/**
 * ESO's ShouldProcessStore: a store without spec.controller is served by every controller; a
 * store with one only by the controller started with that --controller-class.
 */
export function servesStore(store: StoreObject, controllerClass: string | undefined): boolean {
  const wanted = store.spec?.controller ?? '';
  return wanted === '' || wanted === (controllerClass ?? '');
}

/** The store's one `spec.provider` entry (provider name and its spec); undefined unless exactly one is set. */
function providerEntry(store: StoreObject): [string, unknown] | undefined {
  const entries = Object.entries(store.spec?.provider ?? {});
  return entries.length === 1 ? entries[0] : undefined;
}

/** Store fields ESO has that Lockstep does not implement: refused, never silently ignored. */
function unsupportedStoreFields(store: StoreObject): string[] {
  return store.spec?.retrySettings !== undefined
    ? [
        'spec.retrySettings is not supported: remove it (failed provider calls are retried with per-object exponential backoff and jitter)',
      ]
    : [];
}
