// GeneratorStates kept by the ExternalSecret reconciler (in-memory states, no API server): one
// per delivered generation, older ones flagged for GC after a rotation, and the record that
// spares a second password when the controller stopped between the Secret write and its status.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GeneratorState } from '../api/generator-state.ts';
import { RecentSyncs } from '../external-secret/recent-syncs.ts';
import { reconcileExternalSecret } from '../external-secret/reconcile-external-secret.ts';
import type { ObjectCache } from '../external-secret/store-resolver.ts';
import { ExternalSecretWorld, externalSecret, NAMESPACE } from '../external-secret/testing/external-secret-world.ts';
import { collectGeneratorState } from './collect-generator-state.ts';
import type { GenerationRecord, GeneratorStates, NewGeneration } from './generator-states.ts';

class InMemoryGeneratorStates implements GeneratorStates {
  readonly records: Array<GenerationRecord & { keys: string[] }> = [];
  readonly #now: () => Date;
  #n = 0;
  constructor(now: () => Date) {
    this.#now = now;
  }

  /** The informer's view of the states, as the GC reads it. */
  get cache(): ObjectCache<GeneratorState> {
    return {
      get: (_ns, name) => {
        const r = this.records.find((x) => x.name === name);
        const deadline = r?.gcDeadline ? { garbageCollectionDeadline: r.gcDeadline.toISOString() } : {};
        return (
          r && {
            apiVersion: 'generators.lockstep.dev/v1alpha1',
            kind: 'GeneratorState',
            metadata: { name },
            spec: { resource: {}, state: {}, ...deadline },
          }
        );
      },
    };
  }
  async list(_owner: unknown, sources: string[]) {
    return this.records.filter((r) => sources.includes(r.source)).map((r) => ({ ...r }));
  }
  async create(_owner: unknown, g: NewGeneration) {
    this.records.push({
      name: `gs-${++this.#n}`,
      source: g.source,
      createdAt: this.#now(),
      specVersion: g.specVersion,
      secretMAC: g.secretMAC,
      keys: g.keys,
    });
  }
  async flagForGc(_ns: string, name: string, deadline: Date) {
    const r = this.records.find((x) => x.name === name);
    if (r) r.gcDeadline = deadline;
  }
  async delete(_ns: string, name: string) {
    this.records.splice(
      this.records.findIndex((x) => x.name === name),
      1,
    );
  }
}

const password = {
  secretStoreRef: undefined,
  refreshInterval: '1h',
  dataFrom: [
    { sourceRef: { generatorRef: { apiVersion: 'generators.lockstep.dev/v1alpha1', kind: 'Password', name: 'pw' } } },
  ],
};

function world() {
  const w = new ExternalSecretWorld();
  const states = new InMemoryGeneratorStates(() => w.clock.now());
  w.ctx.generatorStates = { states, graceMs: 120_000 };
  w.apply(externalSecret('pw', password));
  return { w, states };
}

describe('GeneratorState', () => {
  test('a delivered generation is recorded with its keys, never its values', async () => {
    const { w, states } = world();
    await w.reconcile('pw');
    assert.equal(states.records.length, 1);
    assert.deepEqual(states.records[0]?.keys, ['password']);
    assert.equal(states.records[0]?.source, 'dataFrom[0]');
    assert.doesNotMatch(JSON.stringify(states.records), /generated-password/);
  });

  test('a rotation flags the previous state, and the GC deletes it after the grace period', async () => {
    const { w, states } = world();
    const first = await w.reconcile('pw');
    w.clock.advance(first.requeueAfter ?? 0);
    await w.reconcile('pw');
    assert.deepEqual(w.secretData('pw'), { password: 'generated-password-2' });
    const [old, latest] = states.records;
    assert.equal(latest?.gcDeadline, undefined, 'the latest state stays');
    assert.equal(old?.gcDeadline?.getTime(), w.clock.now().getTime() + 120_000);

    const gc = { states: states.cache, store: states, now: () => w.clock.now() };
    assert.deepEqual(await collectGeneratorState(`${NAMESPACE}/${old?.name}`, gc), { requeueAfter: 120_000 });
    w.clock.advance(120_000);
    await collectGeneratorState(`${NAMESPACE}/${old?.name}`, gc);
    assert.deepEqual(
      states.records.map((r) => r.name),
      [latest?.name],
    );
    assert.deepEqual(await collectGeneratorState(`${NAMESPACE}/${latest?.name}`, gc), {}, 'no deadline: kept');
  });

  test('a restart after the Secret write but before the status patch generates nothing again', async () => {
    const { w, states } = world();
    await w.reconcile('pw');
    // The controller stopped before its status patch landed: a new process sees no sync in the status.
    w.ctx.recentSyncs = new RecentSyncs();
    await reconcileUnpatched(w);
    assert.equal(w.generator.calls.length, 1, 'one password generated');
    assert.equal(w.secretApi.writes.length, 1, 'one Secret write');
    assert.equal(states.records.length, 1);
    assert.equal(w.ready('pw')?.status, 'True');
  });

  test('a hand edit of the Secret is not taken for a delivery: it is generated and written again', async () => {
    const { w } = world();
    await w.reconcile('pw');
    const edited = w.secretApi.peek(NAMESPACE, 'pw');
    assert.ok(edited?.data);
    edited.data.password = Buffer.from('by-hand').toString('base64');
    w.secretApi.put(edited);
    w.ctx.recentSyncs = new RecentSyncs();
    await reconcileUnpatched(w);
    assert.equal(w.generator.calls.length, 2);
  });
});

/** A reconcile whose ExternalSecret cache shows no status (as after the lost patch). */
async function reconcileUnpatched(w: ExternalSecretWorld) {
  w.catchUp();
  w.externalSecretCache.set(externalSecret('pw', password));
  return reconcileExternalSecret(`${NAMESPACE}/pw`, w.ctx);
}
