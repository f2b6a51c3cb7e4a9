// One ExternalSecret reconciler wired to in-memory fakes, with the informers under the test's
// control: after a reconcile the caches catch up with what was written, unless the test asks
// them to lag (the watch has not delivered the new Secret or status yet).

import type { V1Secret } from '@kubernetes/client-node';
import { type Condition, MANAGED_LABEL, type ReconcileResult } from '@lockstep/core';
import {
  FakeClock,
  InMemorySecretApi,
  InMemoryStatusPatcher,
  mergePatch,
  RecordingEvents,
} from '@lockstep/core/testing';
import type { ExternalSecret } from '../../api/external-secret.ts';
import { RecentSyncs } from '../recent-syncs.ts';
import { type ExternalSecretContext, reconcileExternalSecret } from '../reconcile-external-secret.ts';
import type { StoreObject } from '../store-resolver.ts';
import {
  CountingPasswordGenerator,
  fixedTemplateSources,
  InMemoryBackend,
  MapCache,
  memoryStore,
  memoryStoreResolver,
  RecordingRollout,
} from './fakes.ts';

export const NAMESPACE = 'apps';
export const STORE = 'memory-store';

type Spec = ExternalSecret['spec'];

/**
 * An ExternalSecret of the memory store, its spec as a user writes it: fields the CRD defaults
 * may be left out (the reconciler applies the same defaults), so tests need not repeat them.
 */
export function externalSecret(name: string, spec: Record<string, unknown> = {}): ExternalSecret {
  return {
    apiVersion: 'external.lockstep.dev/v1',
    kind: 'ExternalSecret',
    metadata: { namespace: NAMESPACE, name, uid: `uid-${name}`, generation: 1 },
    spec: { secretStoreRef: { name: STORE }, target: {}, refreshInterval: '1h', ...spec } as Spec,
  };
}

export class ExternalSecretWorld {
  readonly clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  readonly backend = new InMemoryBackend();
  readonly secretApi = new InMemorySecretApi();
  readonly status = new InMemoryStatusPatcher();
  readonly events = new RecordingEvents();
  readonly rollout = new RecordingRollout();
  readonly generator = new CountingPasswordGenerator();
  readonly secretStores = new MapCache<StoreObject>();
  readonly externalSecretCache = new MapCache<ExternalSecret>();
  readonly secretCache = new MapCache<V1Secret>();
  /** lockstep_secret_writes_total and lockstep_rollout_restarts_total for kind ExternalSecret. */
  readonly counters = { create: 0, update: 0, delete: 0, restarts: 0 };
  readonly ctx: ExternalSecretContext;
  /** The ExternalSecrets as the API server holds them (status included). */
  readonly #server = new Map<string, ExternalSecret>();
  #patchesSeen = 0;

  constructor(opts: { templateSecrets?: Record<string, Record<string, string>> } = {}) {
    this.secretStores.set(memoryStore(NAMESPACE, STORE));
    this.ctx = {
      externalSecrets: this.externalSecretCache,
      secrets: this.secretCache,
      stores: memoryStoreResolver(this.backend, { secretStores: this.secretStores }, this.clock),
      generate: this.generator.generate,
      templateSources: () => fixedTemplateSources({}, opts.templateSecrets),
      secretApi: this.secretApi,
      status: this.status,
      events: this.events,
      rollout: this.rollout,
      recentSyncs: new RecentSyncs(),
      macKey: new TextEncoder().encode('unit-test-mac-key-0123456789abcdef'),
      now: () => this.clock.now(),
      random: () => 0.5,
      onSecretWrite: (operation) => this.counters[operation]++,
      onRolloutRestart: () => this.counters.restarts++,
    };
  }

  /** The user applies an ExternalSecret (a spec change bumps its generation). */
  apply(es: ExternalSecret): void {
    const name = es.metadata?.name ?? '';
    const before = this.#server.get(name);
    const next = structuredClone(es);
    if (before && next.metadata) {
      next.metadata.generation = (before.metadata?.generation ?? 1) + 1;
      next.status = before.status;
    }
    this.#server.set(name, next);
    this.externalSecretCache.set(next);
  }

  /** One reconcile; afterwards the informers deliver everything written, unless `lagging`. */
  async reconcile(name: string, opts: { lagging?: boolean } = {}): Promise<ReconcileResult> {
    try {
      return await reconcileExternalSecret(`${NAMESPACE}/${name}`, this.ctx);
    } finally {
      this.#applyStatusPatches();
      if (!opts.lagging) this.catchUp();
    }
  }

  /** The watches deliver: caches hold the API server's ExternalSecrets and managed Secrets. */
  catchUp(): void {
    for (const es of this.#server.values()) this.externalSecretCache.set(es);
    for (const es of this.#server.values()) {
      const target = es.spec.target?.name || es.metadata?.name || '';
      this.secretCache.delete(NAMESPACE, target);
    }
    for (const secret of this.secretApi.list()) {
      if (secret.metadata?.labels?.[MANAGED_LABEL] === 'true') this.secretCache.set(secret);
      else this.secretCache.delete(secret.metadata?.namespace, secret.metadata?.name ?? '');
    }
  }

  ready(name: string): Condition | undefined {
    const conditions = this.#server.get(name)?.status?.conditions as Condition[] | undefined;
    return conditions?.find((c) => c.type === 'Ready');
  }

  secretData(name: string): Record<string, string> | undefined {
    const data = this.secretApi.peek(NAMESPACE, name)?.data;
    return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  }

  #applyStatusPatches(): void {
    for (const { target, body } of this.status.statusPatches.slice(this.#patchesSeen)) {
      const es = this.#server.get(target.name);
      if (es) es.status = mergePatch((es.status ?? {}) as Record<string, unknown>, body) as ExternalSecret['status'];
    }
    this.#patchesSeen = this.status.statusPatches.length;
  }
}
