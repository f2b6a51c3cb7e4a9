import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Controller, type Model, type ResourceInformer } from '@lockstep/core';
import { silentLogger } from '@lockstep/core/testing';
import { ModelRunner } from './model-runner.ts';

type InformerHandlers<T> = Parameters<ResourceInformer<T & KubernetesObject>['on']>[0];

/** An informer whose first list lands when the test says so; `start` returns at once, as after a failed list. */
class ListLater {
  readonly handlers = new Set<InformerHandlers<KubernetesObject>>();
  #synced = false;
  #waiters: Array<() => void> = [];
  readonly objects: KubernetesObject[];
  constructor(objects: KubernetesObject[]) {
    this.objects = objects;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  hasSynced(): boolean {
    return this.#synced;
  }
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.#waiters.push(resolve);
    });
  }
  on(h: InformerHandlers<KubernetesObject>): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  /** The first list arrives: an add per object, then synced. */
  listed(): void {
    for (const obj of this.objects) for (const h of this.handlers) h.add?.(obj);
    this.#synced = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

const obj = (kind: string, name: string, owner?: string): KubernetesObject => ({
  kind,
  metadata: { namespace: 'team-a', name, ...(owner ? { ownerReferences: [{ name: owner }] as never } : {}) },
});

function fixture() {
  const externalSecrets = new ListLater([obj('ExternalSecret', 'app-0'), obj('ExternalSecret', 'app-1')]);
  const managedSecrets = new ListLater([obj('Secret', 'app-0', 'app-0'), obj('Secret', 'app-1', 'app-1')]);
  const reconciled: string[] = [];
  const controller = new Controller({
    name: 'ExternalSecret',
    informer: externalSecrets as unknown as ResourceInformer,
    reconcile: async (key) => {
      reconciled.push(key);
    },
  });
  // A managed Secret's event queues its owner, as the generic model wires it.
  controller.watch(managedSecrets as unknown as ResourceInformer, (s) => [
    `team-a/${s.metadata?.ownerReferences?.[0]?.name}`,
  ]);
  const model: Model = { controllers: [controller], informers: [], leaseSources: [], stop: () => {} };
  const runner = new ModelRunner(managedSecrets, [model], silentLogger());
  return { externalSecrets, managedSecrets, reconciled, controller, runner };
}

test('no reconcile runs before every cache listed, and the first lists queue each object once', async () => {
  const f = fixture();
  const started = f.runner.start();
  f.externalSecrets.listed();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.reconciled, [], 'the managed Secrets are not listed yet: a reconcile would take them for missing');
  f.managedSecrets.listed();
  await started;
  await f.controller.queue.onIdle();
  assert.deepEqual(f.reconciled.sort(), ['team-a/app-0', 'team-a/app-1'], 'one reconcile per object');
  assert.equal(f.runner.hasSynced(), true);
  await f.runner.stop(1000);
});

test('a shutdown before the caches synced ends the start quietly and runs nothing', async () => {
  const f = fixture();
  const started = f.runner.start();
  f.externalSecrets.listed();
  await f.runner.stop(1000);
  await started;
  assert.deepEqual(f.reconciled, []);
  assert.equal(f.runner.hasSynced(), false);
});
