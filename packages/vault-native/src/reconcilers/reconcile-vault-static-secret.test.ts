// VaultStaticSecret through its reconciler, with in-memory fakes of what it is handed
// (testing/vault-world.ts) and a KV engine at the reconciler's KV reader seam. The secret is
// re-read every 30 s (spec.refreshAfter); the clock moves only when a test moves it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, describeFailure } from '@lockstep/core';
import type { VaultStaticSecret } from '../api/vault-static-secret.ts';
import { reconcileVaultStaticSecret } from './reconcile-vault-static-secret.ts';
import { FakeKv } from './testing/fake-kv.ts';
import { vaultAnswer } from './testing/fake-vault-backends.ts';
import { ResourceStore } from './testing/resource-store.ts';
import { NAMESPACE, readyOf, vaultWorld } from './testing/vault-world.ts';

const NAME = 'app-config';
const KEY = `${NAMESPACE}/${NAME}`;
const DESTINATION = 'app-config';
const REFRESH_MS = 30_000;
const V1 = { username: 'app', password: 'hunter2-static-v1' };
const V2 = { username: 'app', password: 'correct-horse-v2' };

function vss(spec: Partial<VaultStaticSecret['spec']> = {}): VaultStaticSecret {
  return {
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultStaticSecret',
    metadata: { name: NAME, namespace: NAMESPACE, uid: 'uid-vss-1' },
    spec: {
      mount: 'kv',
      path: 'app/config',
      type: 'kv-v2',
      refreshAfter: '30s',
      hmacSecretData: true,
      destination: { name: DESTINATION, create: true, overwrite: false },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'app' }],
      ...spec,
    },
  } as VaultStaticSecret;
}

function setup(spec: Partial<VaultStaticSecret['spec']> = {}) {
  const world = vaultWorld();
  const store = new ResourceStore<VaultStaticSecret>('VaultStaticSecret', world.status);
  store.create(vss(spec));
  const kv = new FakeKv();
  kv.put('kv', 'app/config', V1);
  const ctx = { ...world.ctx, staticSecrets: store, readKv: kv.read };
  const run = () => reconcileVaultStaticSecret(KEY, ctx);
  /** The work queue's requeue: the clock moves by the refresh period, and the resource runs again. */
  const refresh = () => {
    world.clock.advance(REFRESH_MS);
    return run();
  };
  const status = () => store.status(NAMESPACE, NAME);
  const synced = () => world.events.events.filter((e) => e.reason === 'SecretSynced').map((e) => e.message);
  return { world, store, kv, run, refresh, status, synced };
}

describe('VaultStaticSecret reconciler', () => {
  test('the first sync reads once and writes the Secret once, restarting nothing', async (t) => {
    const { world, kv, run, status } = setup();
    const result = await run();
    assert.deepEqual(kv.reads, ['kv/data/app/config']);
    assert.equal(world.secretApi.writesOf('create').length, 1);
    assert.equal(world.secretApi.writes.length, 1);
    assert.equal(world.secretData(DESTINATION)?.password, V1.password);
    assert.equal(readyOf(status())?.status, 'True');
    assert.equal(status()?.lastGeneration, 1);
    assert.ok(status()?.secretMAC, 'the MAC of what was written is recorded');
    assert.equal(world.rollout.restarts.length, 0);
    assert.deepEqual(result, { requeueAfter: REFRESH_MS });
    t.diagnostic(`first sync: 1 read, 1 write, next read in ${result.requeueAfter} ms`);
  });

  test('an unchanged refresh reads Vault and writes, restarts and patches nothing', async () => {
    const { world, kv, run, refresh } = setup();
    await run();
    const patches = world.status.statusPatches.length;
    await refresh();
    await refresh();
    assert.equal(kv.reads.length, 3);
    assert.equal(world.secretApi.writes.length, 1);
    assert.equal(world.rollout.restarts.length, 0);
    assert.equal(world.status.statusPatches.length, patches);
  });

  test('a value changed in Vault is written once and the targets restart once', async (t) => {
    const { world, kv, run, refresh, synced } = setup();
    await run();
    kv.put('kv', 'app/config', V2);
    await refresh();
    await refresh();
    assert.equal(world.secretApi.writesOf('replace').length, 1);
    assert.equal(world.secretData(DESTINATION)?.password, V2.password);
    assert.equal(world.rollout.restarts.length, 1);
    assert.equal(world.counted.rolloutRestarts, 1, 'onRolloutRestart counted once');
    assert.deepEqual(world.counted.secretWrites, ['create', 'update']);
    assert.match(synced().at(-1) ?? '', /\(RefreshDue, DataChanged\)/);
    t.diagnostic('Vault value changed: 1 rewrite, 1 restart over 2 refreshes');
  });

  test('a deleted destination is written again without restarting anyone', async () => {
    const { world, run, refresh, synced } = setup();
    await run();
    world.secretApi.remove(NAMESPACE, DESTINATION);
    await refresh();
    assert.equal(world.secretApi.writesOf('create').length, 2);
    assert.equal(world.secretData(DESTINATION)?.password, V1.password);
    assert.match(synced().at(-1) ?? '', /\(TargetMissing, Created\)/);
    assert.equal(world.rollout.restarts.length, 0);
  });

  test('an edited destination is rewritten with what Vault holds', async () => {
    const { world, run, refresh, synced } = setup();
    await run();
    world.editSecret(DESTINATION, 'password', 'typed-by-hand');
    await refresh();
    assert.equal(world.secretApi.writesOf('replace').length, 1);
    assert.equal(world.secretData(DESTINATION)?.password, V1.password);
    assert.match(synced().at(-1) ?? '', /^Secret "app-config" written \(TargetDrifted, /);
  });

  test('a spec change reads the new path at once and records the new generation', async () => {
    const { world, store, kv, run, status, synced } = setup();
    await run();
    kv.put('kv', 'app/config-v2', V2);
    store.editSpec(NAMESPACE, NAME, (spec) => {
      spec.path = 'app/config-v2';
    });
    await run();
    assert.equal(kv.reads.at(-1), 'kv/data/app/config-v2');
    assert.equal(world.secretData(DESTINATION)?.password, V2.password);
    assert.equal(status()?.lastGeneration, 2);
    assert.match(synced().at(-1) ?? '', /\(SpecChanged, DataChanged\)/);
  });

  test('Vault unavailable keeps the Secret as it is and sets Ready=False with the reason', async (t) => {
    const { world, kv, run, refresh, status } = setup();
    await run();
    kv.failNext(vaultAnswer(503, 'GET', 'kv/data/app/config', ['Vault is sealed']));
    await assert.rejects(refresh(), (err: unknown) => err instanceof BackendError && err.errorClass === 'Unavailable');
    assert.equal(world.secretApi.writes.length, 1, 'neither rewritten nor deleted');
    assert.equal(world.secretData(DESTINATION)?.password, V1.password);
    const ready = readyOf(status());
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'VaultUnavailable');
    assert.match(ready?.message ?? '', /is sealed \(GET kv\/data\/app\/config\)/);
    t.diagnostic(`Vault down: Ready=False "${ready?.message}"; Secret kept`);
  });

  test('an unexpected error is retried with backoff, and its text stays out of Ready and the Event', async () => {
    const { world, kv, run, refresh, status } = setup();
    await run();
    const raw = new Error(`parser choked on "${V1.password}"`);
    kv.failNext(raw);
    await assert.rejects(refresh(), (err: unknown) => err === raw, 'thrown as it is, for the log');
    assert.equal(describeFailure(raw).retry, true, 'the work queue backs it off and runs it again');
    assert.equal(world.secretData(DESTINATION)?.password, V1.password, 'the Secret is kept');
    const ready = readyOf(status());
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InternalError');
    assert.equal(ready?.message, 'unexpected error (Error); retrying with backoff, the controller log has the details');
    const said = [ready?.message, ...world.events.events.map((e) => e.message)].join('\n');
    assert.doesNotMatch(said, /parser choked|hunter2/);
    await refresh();
    assert.equal(readyOf(status())?.status, 'True', 'the retry syncs again');
  });

  test('permission denied says which path the policy must allow, and is looked at again', async () => {
    const { world, kv, run, status } = setup();
    kv.failNext(vaultAnswer(403, 'GET', 'kv/data/app/config', ['permission denied']));
    const result = await run();
    const ready = readyOf(status());
    assert.equal(ready?.reason, 'Forbidden');
    assert.match(ready?.message ?? '', /kv\/data\/app\/config.*policies allow this path/);
    assert.equal(world.secretApi.writes.length, 0);
    assert.deepEqual(result, { requeueAfter: REFRESH_MS });
  });

  test('a path that does not exist is named in Ready', async () => {
    const { world, run, status } = setup({ path: 'app/confgi' });
    await run();
    const ready = readyOf(status());
    assert.equal(ready?.reason, 'NotFound');
    assert.match(ready?.message ?? '', /nothing found at "kv\/data\/app\/confgi"/);
    assert.equal(world.secretApi.writes.length, 0);
  });

  test('instantUpdates is refused with what to change, before Vault is read', async () => {
    const { kv, run, status } = setup({ syncConfig: { instantUpdates: true } });
    await run();
    assert.deepEqual(kv.reads, []);
    assert.equal(readyOf(status())?.reason, 'InvalidSpec');
    assert.match(readyOf(status())?.message ?? '', /remove it and set spec\.refreshAfter/);
  });

  test('a destination another resource owns is left untouched', async () => {
    const { world, run, status } = setup();
    world.putSecretOwnedBy(DESTINATION, 'ExternalSecret/other', 'password');
    await run();
    assert.equal(world.secretApi.writes.length, 0);
    assert.equal(world.secretData(DESTINATION)?.password, 'theirs');
    assert.equal(readyOf(status())?.reason, 'DestinationBlocked');
    assert.match(readyOf(status())?.message ?? '', /ExternalSecret\/other/);
  });

  test('create: false writes its keys into the existing Secret and keeps the others', async () => {
    const { world, run } = setup({ destination: { name: DESTINATION, create: false, overwrite: false } });
    world.secretApi.put({
      metadata: { name: DESTINATION, namespace: NAMESPACE },
      data: { 'ca.crt': Buffer.from('user-ca').toString('base64') },
    });
    await run();
    const data = world.secretData(DESTINATION);
    assert.equal(data?.['ca.crt'], 'user-ca');
    assert.equal(data?.password, V1.password);
    assert.deepEqual(world.secretApi.peek(NAMESPACE, DESTINATION)?.metadata?.ownerReferences, undefined, 'not claimed');
  });

  test('a deleted VaultStaticSecret reads and writes nothing: the Secret goes with its owner', async () => {
    const { world, store, kv, run } = setup();
    await run();
    store.markDeleted(NAMESPACE, NAME, world.clock.now());
    await run();
    assert.equal(kv.reads.length, 1);
    assert.equal(world.secretApi.writes.length, 1);
  });

  test('secret values never reach a condition, a status field or an event', async () => {
    const { world, kv, run, refresh } = setup();
    await run();
    kv.put('kv', 'app/config', V2);
    await refresh();
    kv.failNext(vaultAnswer(503, 'GET', 'kv/data/app/config'));
    await refresh().catch(() => undefined);
    const text = world.visibleText();
    for (const value of [V1.password, V2.password]) assert.ok(!text.includes(value), `"${value}" leaked`);
  });
});
