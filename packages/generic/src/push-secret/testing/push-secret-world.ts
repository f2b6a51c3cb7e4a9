// One PushSecret reconciler wired to in-memory fakes: a store backend that marks what Lockstep
// created (as Vault KV v2 custom_metadata and AWS tags do), source Secrets, a FakeClock, and an
// API server copy of each PushSecret that status and finalizer patches land on.

import type { V1Secret } from '@kubernetes/client-node';
import {
  BackendError,
  type Condition,
  type FindRef,
  type PushOptions,
  type PushRef,
  type ReconcileResult,
  type RemoteRef,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
} from '@lockstep/core';
import { FakeClock, InMemoryStatusPatcher, mergePatch, RecordingEvents } from '@lockstep/core/testing';
import type { PushSecret } from '../../api/push-secret.ts';
import type { StoreObject } from '../../external-secret/store-resolver.ts';
import {
  fixedTemplateSources,
  MapCache,
  memoryStore,
  memoryStoreResolver,
} from '../../external-secret/testing/fakes.ts';
import { type LabelledStore, type PushSecretContext, reconcilePushSecret } from '../reconcile-push-secret.ts';

export const NAMESPACE = 'apps';
export const STORE = 'memory-store';

interface RemoteSecret {
  /** Property name -> value; `''` holds a whole-secret value. */
  doc: Record<string, string>;
  ownedByLockstep: boolean;
}

/** A writable store: remote keys hold JSON-ish documents and an ownership mark. */
export class InMemoryPushBackend implements SecretsClient {
  readonly remote = new Map<string, RemoteSecret>();
  /** Writes that changed the store (a push of the same value is not one). */
  readonly writes: Array<{ op: 'push' | 'delete'; key: string }> = [];

  /** A secret someone else created in the store. */
  seedForeign(key: string, doc: Record<string, string>): void {
    this.remote.set(key, { doc, ownedByLockstep: false });
  }

  value(key: string, property = ''): string | undefined {
    return this.remote.get(key)?.doc[property];
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const found = this.remote.get(ref.key);
    const value = found?.doc[ref.property ?? ''];
    if (value === undefined) throw new BackendError('NotFound', 'memory', `secret "${ref.key}" not found`);
    return Buffer.from(value);
  }

  async getSecretMap(_ref: RemoteRef): Promise<SecretMap> {
    throw new BackendError('InvalidInput', 'memory', 'not used by PushSecret');
  }

  async getAllSecrets(_find: FindRef): Promise<SecretMap> {
    throw new BackendError('InvalidInput', 'memory', 'not used by PushSecret');
  }

  async pushSecret(value: Uint8Array, ref: PushRef, _opts?: PushOptions): Promise<void> {
    const current = this.remote.get(ref.remoteKey);
    if (current && !current.ownedByLockstep) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `secret "${ref.remoteKey}" was not created by Lockstep: refusing to overwrite it`,
      );
    }
    const text = Buffer.from(value).toString('utf8');
    const property = ref.property ?? '';
    if (current?.doc[property] === text) return;
    this.remote.set(ref.remoteKey, { doc: { ...current?.doc, [property]: text }, ownedByLockstep: true });
    this.writes.push({ op: 'push', key: ref.property ? `${ref.remoteKey}/${ref.property}` : ref.remoteKey });
  }

  async deleteSecret(ref: PushRef, _opts?: PushOptions): Promise<void> {
    const current = this.remote.get(ref.remoteKey);
    if (!current?.ownedByLockstep) return;
    const { [ref.property ?? '']: _gone, ...rest } = current.doc;
    if (Object.keys(rest).length === 0 || !ref.property) this.remote.delete(ref.remoteKey);
    else this.remote.set(ref.remoteKey, { doc: rest, ownedByLockstep: true });
    this.writes.push({ op: 'delete', key: ref.property ? `${ref.remoteKey}/${ref.property}` : ref.remoteKey });
  }

  async validate(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}

type Spec = PushSecret['spec'];

/** A PushSecret of Secret `source` to the memory store, its spec as a user writes it. */
export function pushSecret(name: string, spec: Record<string, unknown> = {}): PushSecret {
  return {
    apiVersion: 'external.lockstep.dev/v1',
    kind: 'PushSecret',
    metadata: { namespace: NAMESPACE, name, uid: `uid-${name}`, generation: 1 },
    spec: {
      secretStoreRefs: [{ name: STORE, kind: 'SecretStore' }],
      selector: { secret: { name: 'source' } },
      refreshInterval: '1h',
      ...spec,
    } as Spec,
  };
}

export function sourceSecret(
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
  namespace = NAMESPACE,
): V1Secret {
  return {
    metadata: { namespace, name, ...(labels ? { labels } : {}) },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export class PushSecretWorld {
  readonly clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  readonly backend = new InMemoryPushBackend();
  readonly status = new InMemoryStatusPatcher();
  readonly events = new RecordingEvents();
  readonly secretStores = new MapCache<StoreObject>();
  readonly clusterSecretStores = new MapCache<StoreObject>();
  readonly pushSecretCache = new MapCache<PushSecret>();
  /** Secrets of every namespace, as the API server holds them. */
  readonly secrets = new Map<string, V1Secret>();
  /** Namespaces each source list covered (the isolation check). */
  readonly listedNamespaces: string[] = [];
  readonly ctx: PushSecretContext;
  readonly #server = new Map<string, PushSecret>();
  #statusSeen = 0;
  #metadataSeen = 0;

  constructor() {
    this.secretStores.set(memoryStore(NAMESPACE, STORE));
    const storeLists: Record<string, LabelledStore[]> = {};
    this.ctx = {
      pushSecrets: this.pushSecretCache,
      stores: memoryStoreResolver(
        this.backend,
        { secretStores: this.secretStores, clusterSecretStores: this.clusterSecretStores },
        this.clock,
      ),
      listStores: (kind, namespace) => storeLists[kind === 'SecretStore' ? `SecretStore/${namespace}` : kind] ?? [],
      sources: {
        get: async (namespace, name) => structuredClone(this.secrets.get(`${namespace}/${name}`)),
        list: async (namespace) => {
          this.listedNamespaces.push(namespace);
          return [...this.secrets.values()]
            .filter((s) => s.metadata?.namespace === namespace)
            .map((s) => structuredClone(s));
        },
      },
      generate: async () => ({ password: Buffer.from('generated-password') }),
      templateSources: () => fixedTemplateSources(),
      status: this.status,
      events: this.events,
      now: () => this.clock.now(),
    };
    this.storeLists = storeLists;
  }

  /** Stores a labelSelector can find, per `SecretStore/<namespace>` or `ClusterSecretStore`. */
  readonly storeLists: Record<string, LabelledStore[]>;

  putSecret(secret: V1Secret): void {
    this.secrets.set(`${secret.metadata?.namespace}/${secret.metadata?.name}`, secret);
  }

  /** The user applies a PushSecret (a spec change bumps its generation). */
  apply(ps: PushSecret): void {
    const name = ps.metadata?.name ?? '';
    const before = this.#server.get(name);
    const next = structuredClone(ps);
    if (before && next.metadata) {
      next.metadata.generation = (before.metadata?.generation ?? 1) + 1;
      next.metadata.finalizers = before.metadata?.finalizers;
      next.status = before.status;
    }
    this.#server.set(name, next);
    this.pushSecretCache.set(next);
  }

  /** The user deletes it: with finalizers it only gets a deletionTimestamp, as the API server does. */
  delete(name: string): void {
    const ps = this.#server.get(name);
    if (!ps?.metadata) return;
    if ((ps.metadata.finalizers ?? []).length > 0) {
      ps.metadata.deletionTimestamp = this.clock.now();
      this.pushSecretCache.set(ps);
    } else this.#gone(name);
  }

  exists(name: string): boolean {
    return this.#server.has(name);
  }

  finalizers(name: string): string[] {
    return this.#server.get(name)?.metadata?.finalizers ?? [];
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    try {
      return await reconcilePushSecret(`${NAMESPACE}/${name}`, this.ctx);
    } finally {
      this.#applyPatches();
    }
  }

  ready(name: string): Condition | undefined {
    const conditions = this.#server.get(name)?.status?.conditions as Condition[] | undefined;
    return conditions?.find((c) => c.type === 'Ready');
  }

  synced(name: string): Record<string, Record<string, unknown>> | undefined {
    return this.#server.get(name)?.status?.syncedPushSecrets as Record<string, Record<string, unknown>> | undefined;
  }

  #applyPatches(): void {
    for (const { target, body } of this.status.statusPatches.slice(this.#statusSeen)) {
      const ps = this.#server.get(target.name);
      if (ps) ps.status = mergePatch((ps.status ?? {}) as Record<string, unknown>, body) as PushSecret['status'];
    }
    this.#statusSeen = this.status.statusPatches.length;
    for (const { target, body } of this.status.metadataPatches.slice(this.#metadataSeen)) {
      const ps = this.#server.get(target.name);
      if (!ps?.metadata) continue;
      ps.metadata = mergePatch(ps.metadata as Record<string, unknown>, body) as PushSecret['metadata'];
      // The API server removes an object being deleted once its last finalizer is gone.
      if (ps.metadata?.deletionTimestamp && (ps.metadata.finalizers ?? []).length === 0) this.#gone(target.name);
    }
    this.#metadataSeen = this.status.metadataPatches.length;
    for (const ps of this.#server.values()) this.pushSecretCache.set(ps);
  }

  #gone(name: string): void {
    this.#server.delete(name);
    this.pushSecretCache.delete(NAMESPACE, name);
  }
}
