// Unit tests of the ExternalSecret reconciler against in-memory fakes (no peer, no API
// server): each case drives reconciles as the work queue would and asserts what a user
// sees — the Secret, the Ready condition, Events, counters and the next requeue.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExternalSecretWorld, externalSecret, NAMESPACE } from './testing/external-secret-world.ts';

const HOUR = 3_600_000;
const dbPassword = { data: [{ secretKey: 'password', remoteRef: { key: 'db-password' } }] };

/** A world whose memory store holds db-password, with ExternalSecret `db` applied. */
function synced(spec: Record<string, unknown> = {}): ExternalSecretWorld {
  const w = new ExternalSecretWorld();
  w.backend.set('db-password', 'hunter2-v1');
  w.apply(externalSecret('db', { ...dbPassword, ...spec }));
  return w;
}

describe('ExternalSecret sync', () => {
  test('the first sync creates the Secret once, owned by the ExternalSecret, and says so', async () => {
    const w = synced();
    const result = await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' });
    assert.equal(w.secretApi.writes.length, 1);
    assert.equal(w.secretApi.peek(NAMESPACE, 'db')?.metadata?.ownerReferences?.[0]?.uid, 'uid-db');
    assert.equal(w.ready('db')?.status, 'True');
    assert.equal(w.ready('db')?.reason, 'SecretSynced');
    assert.deepEqual(w.counters, { create: 1, update: 0, delete: 0, restarts: 0 });
    assert.match(w.events.events[0]?.message ?? '', /written \(InitialSync, Created\)/);
    assert.equal(w.rollout.restarts.length, 0, 'a first sync restarts nothing');
    // The next refresh slot is at least half an interval and at most one and a half away.
    const next = result.requeueAfter ?? 0;
    assert.ok(next >= HOUR / 2 && next <= 1.5 * HOUR, `next refresh queued in ${next} ms`);
  });

  test('a refresh that finds the same remote value reads it again and writes nothing', async () => {
    const w = synced();
    const first = await w.reconcile('db');
    const reads = w.backend.reads;
    w.clock.advance(first.requeueAfter ?? 0);
    const second = await w.reconcile('db');
    assert.equal(w.backend.reads, reads + 1, 'the refresh read the store');
    assert.equal(w.secretApi.writes.length, 1);
    assert.equal(w.ready('db')?.status, 'True');
    assert.ok(second.requeueAfter && second.requeueAfter > HOUR / 2, 'the next slot is about an interval away');
  });

  test('a remote change is written once, restarts the targets once and counts the restart', async () => {
    const w = synced({ rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }] });
    const first = await w.reconcile('db');
    w.backend.set('db-password', 'hunter2-v2');
    w.clock.advance(first.requeueAfter ?? 0);
    const second = await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v2' });
    assert.equal(w.secretApi.writesOf('replace').length, 1);
    assert.deepEqual(
      w.rollout.restarts.map((r) => r.targets),
      [[{ kind: 'Deployment', name: 'web' }]],
    );
    assert.equal(w.counters.restarts, 1);
    assert.ok(w.events.reasons('Normal').includes('RolloutRestarted'));
    // The informer delivers the rewritten Secret and re-queues the object: nothing more happens.
    await w.reconcile('db');
    w.clock.advance((second.requeueAfter ?? 0) - 1);
    await w.reconcile('db');
    assert.equal(w.secretApi.writes.length, 2);
    assert.equal(w.counters.restarts, 1);
  });

  test('a spec change syncs at once, before the refresh is due', async () => {
    const w = synced();
    await w.reconcile('db');
    w.backend.set('api-token', 'tok-1');
    w.apply(externalSecret('db', { data: [{ secretKey: 'token', remoteRef: { key: 'api-token' } }] }));
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { token: 'tok-1' });
    assert.match(w.events.events.at(-1)?.message ?? '', /\(SpecChanged, DataChanged\)/);
  });

  test('refreshInterval 0 syncs once and never looks again', async () => {
    const w = synced({ refreshInterval: '0' });
    const result = await w.reconcile('db');
    assert.equal(result.requeueAfter, undefined);
    const reads = w.backend.reads;
    w.backend.set('db-password', 'hunter2-v2');
    w.clock.advance(30 * 24 * HOUR);
    assert.deepEqual(await w.reconcile('db'), {});
    assert.equal(w.backend.reads, reads);
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' });
  });
});

describe('drift repair', () => {
  test('a Secret edited by hand is put back at once, named TargetDrifted, without a restart', async () => {
    const w = synced({ rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }] });
    await w.reconcile('db');
    const edited = w.secretApi.peek(NAMESPACE, 'db');
    assert.ok(edited?.data);
    edited.data.password = Buffer.from('changed-by-hand').toString('base64');
    w.secretApi.put(edited);
    w.catchUp();
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' });
    assert.match(w.events.events.at(-1)?.message ?? '', /\(TargetDrifted, Drifted\)/);
    assert.equal(w.rollout.restarts.length, 0, 'the workload never saw the hand edit as ours');
  });

  test('a deleted Secret is created again at once, named TargetMissing', async () => {
    const w = synced();
    await w.reconcile('db');
    w.secretApi.remove(NAMESPACE, 'db');
    w.catchUp();
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' });
    assert.equal(w.secretApi.writesOf('create').length, 2);
    assert.match(w.events.events.at(-1)?.message ?? '', /\(TargetMissing, Created\)/);
  });

  test('refreshPolicy CreatedOnce does not bring a deleted Secret back', async () => {
    const w = synced({ refreshPolicy: 'CreatedOnce' });
    await w.reconcile('db');
    w.secretApi.remove(NAMESPACE, 'db');
    w.catchUp();
    assert.deepEqual(await w.reconcile('db'), {});
    assert.equal(w.secretApi.peek(NAMESPACE, 'db'), undefined);
    assert.equal(w.secretApi.writes.length, 1);
  });
});

describe('a Password generator with lagging informer caches', () => {
  const password = {
    secretStoreRef: undefined,
    data: [
      {
        secretKey: 'password',
        remoteRef: { key: 'password' },
        sourceRef: { generatorRef: { apiVersion: 'generators.lockstep.dev/v1alpha1', kind: 'Password', name: 'pw' } },
      },
    ],
  };

  // The Secret watch and the ExternalSecret watch deliver independently: a re-queue may run
  // before either has caught up with the first sync.
  for (const lag of ['the Secret cache', 'both caches'] as const) {
    test(`writes exactly once on the first sync while ${lag} lag(s) behind`, async () => {
      const w = new ExternalSecretWorld();
      w.apply(externalSecret('pw', password));
      await w.reconcile('pw', { lagging: true });
      if (lag === 'the Secret cache') {
        w.catchUp();
        w.secretCache.delete(NAMESPACE, 'pw');
      }
      await w.reconcile('pw', { lagging: true });
      w.catchUp();
      await w.reconcile('pw');
      assert.equal(w.generator.calls.length, 1, 'one password generated');
      assert.equal(w.secretApi.writes.length, 1, 'one Secret write');
      assert.deepEqual(w.secretData('pw'), { password: 'generated-password-1' });
      assert.equal(w.ready('pw')?.status, 'True');
    });
  }
});
