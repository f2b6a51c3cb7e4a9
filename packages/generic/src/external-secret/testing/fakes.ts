// In-memory fakes of the interfaces the ExternalSecret reconciler talks through, for unit
// tests without a peer: informer caches, a provider backend, rollout targets, generators.
// Kubernetes writes, status and events use core's fakes (InMemorySecretApi, …).

import {
  BackendError,
  type FindRef,
  type KubeAccess,
  type Provider,
  ProviderRegistry,
  type RemoteRef,
  type RolloutRestarter,
  type RolloutState,
  type RolloutTarget,
  type SecretMap,
  type SecretsClient,
} from '@lockstep/core';
import type { TemplateSources } from '../render-target.ts';
import type { GeneratorRefSpec } from '../resolve-data.ts';
import { type ObjectCache, type StoreObject, StoreResolver } from '../store-resolver.ts';

/** An informer cache: what the watch has delivered so far, which may lag behind the API server. */
export class MapCache<T extends { metadata?: { namespace?: string; name?: string } }> implements ObjectCache<T> {
  readonly #items = new Map<string, T>();

  get(namespace: string | undefined, name: string): T | undefined {
    const found = this.#items.get(`${namespace ?? ''}/${name}`);
    return found ? structuredClone(found) : undefined;
  }

  set(item: T): void {
    this.#items.set(`${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`, structuredClone(item));
  }

  delete(namespace: string | undefined, name: string): void {
    this.#items.delete(`${namespace ?? ''}/${name}`);
  }
}

/** A provider backend: remote keys to string values; `failNext` makes the next read throw. */
export class InMemoryBackend implements SecretsClient {
  readonly #values = new Map<string, string>();
  readonly #failures: Error[] = [];
  reads = 0;

  set(key: string, value: string): void {
    this.#values.set(key, value);
  }

  remove(key: string): void {
    this.#values.delete(key);
  }

  failNext(error: Error): void {
    this.#failures.push(error);
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    this.reads++;
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const value = this.#values.get(ref.key);
    if (value === undefined) throw new BackendError('NotFound', 'memory', `secret "${ref.key}" not found`);
    return new TextEncoder().encode(value);
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    const parsed = JSON.parse(new TextDecoder().decode(await this.getSecret(ref))) as Record<string, string>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, new TextEncoder().encode(String(v))]));
  }

  async getAllSecrets(_find: FindRef): Promise<SecretMap> {
    throw new BackendError('InvalidInput', 'memory', 'the in-memory backend does not implement find');
  }

  async validate(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}

/**
 * A real StoreResolver over in-memory store caches, whose one provider (`memory`) answers from
 * `backend`: the isolation checks and "store not found" messages are the production ones.
 */
export function memoryStoreResolver(
  backend: SecretsClient,
  stores: { secretStores: MapCache<StoreObject>; clusterSecretStores?: MapCache<StoreObject> },
  clock: { now(): Date },
): StoreResolver {
  const memory: Provider<unknown> = {
    name: 'memory',
    capabilities: backend.pushSecret ? 'ReadWrite' : 'ReadOnly',
    validateSpec: () => [],
    clientKey: () => 'memory',
    newClient: async () => backend,
  };
  const registry = new ProviderRegistry();
  registry.registerProvider(memory);
  return new StoreResolver({
    secretStores: stores.secretStores,
    clusterSecretStores: stores.clusterSecretStores ?? new MapCache<StoreObject>(),
    namespaces: { get: () => undefined },
    registry,
    kube: {} as KubeAccess,
    clock,
    coalesceWindowMs: 0,
  });
}

/** A SecretStore of the `memory` provider. */
export function memoryStore(namespace: string, name: string): StoreObject {
  return { metadata: { namespace, name, generation: 1 }, spec: { provider: { memory: {} } } };
}

/** Rollout targets that record each restart instead of patching workloads. */
export class RecordingRollout implements RolloutRestarter {
  readonly restarts: Array<{ namespace: string; targets: RolloutTarget[]; value: string }> = [];

  async restart(namespace: string, targets: RolloutTarget[], value: string): Promise<void> {
    this.restarts.push({ namespace, targets: [...targets], value });
  }

  async state(): Promise<RolloutState> {
    return 'Complete';
  }
}

/** A generator that answers a new `password` on every call (password-1, password-2, …) and counts calls. */
export class CountingPasswordGenerator {
  readonly calls: GeneratorRefSpec[] = [];

  generate = async (_namespace: string, ref: GeneratorRefSpec): Promise<SecretMap> => {
    this.calls.push(ref);
    return { password: new TextEncoder().encode(`generated-password-${this.calls.length}`) };
  };
}

/** templateFrom sources from fixed maps; a missing name is the user's error, as in the real wiring. */
export function fixedTemplateSources(
  configMaps: Record<string, Record<string, string>> = {},
  secrets: Record<string, Record<string, string>> = {},
): TemplateSources {
  const read = (kind: string, from: Record<string, Record<string, string>>) => async (name: string) => {
    const found = from[name];
    if (!found) throw new BackendError('InvalidInput', 'kubernetes', `template ${kind} "${name}" not found`);
    return found;
  };
  return { configMap: read('ConfigMap', configMaps), secret: read('Secret', secrets) };
}
