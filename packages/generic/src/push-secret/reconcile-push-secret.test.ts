// Unit tests of the PushSecret reconciler against in-memory fakes: each case drives reconciles
// as the work queue would and asserts what a user sees — the remote store, the Ready
// condition, status.syncedPushSecrets, the finalizer and Events.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PUSH_SECRET_FINALIZER } from './reconcile-push-secret.ts';
import { NAMESPACE, PushSecretWorld, pushSecret, sourceSecret } from './testing/push-secret-world.ts';

const HOUR = 3_600_000;
const SECRET_VALUES = ['s3cr3t-pa55', 'admin-user', 'generated-password', 'foreign-value'];
const passwordEntry = { match: { secretKey: 'password', remoteRef: { remoteKey: 'db', property: 'password' } } };
const userEntry = { match: { secretKey: 'user', remoteRef: { remoteKey: 'db', property: 'user' } } };

function world(spec: Record<string, unknown> = {}): PushSecretWorld {
  const w = new PushSecretWorld();
  w.putSecret(sourceSecret('source', { password: 's3cr3t-pa55', user: 'admin-user' }));
  w.apply(pushSecret('push', { data: [passwordEntry, userEntry], ...spec }));
  return w;
}

/** No condition, event or status field carries a value the test pushed. */
function assertNoValues(w: PushSecretWorld): void {
  const texts = [
    ...w.events.events.map((e) => e.message),
    ...w.status.statusPatches.map((p) => JSON.stringify(p.body)),
  ];
  for (const text of texts) {
    for (const value of SECRET_VALUES) assert.ok(!text.includes(value), `"${value}" leaked into: ${text}`);
  }
}

describe('PushSecret push', () => {
  test('pushes each entry once, records it in syncedPushSecrets and is Ready (Synced)', async () => {
    const w = world();
    const result = await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 's3cr3t-pa55');
    assert.equal(w.backend.value('db', 'user'), 'admin-user');
    assert.equal(w.backend.writes.length, 2);
    assert.equal(w.ready('push')?.status, 'True');
    assert.equal(w.ready('push')?.reason, 'Synced');
    assert.deepEqual(Object.keys(w.synced('push')?.['SecretStore/memory-store'] ?? {}).sort(), [
      'db/password',
      'db/user',
    ]);
    assert.equal(result.requeueAfter, HOUR);
    assert.deepEqual(w.events.reasons('Normal'), ['Synced']);
    assertNoValues(w);
  });

  test('a refresh with nothing changed writes nothing to the store; a changed source is pushed', async () => {
    const w = world();
    await w.reconcile('push');
    const early = await w.reconcile('push');
    assert.ok(early.requeueAfter && early.requeueAfter <= HOUR, 'not due yet: waits for the refresh');
    w.clock.advance(HOUR);
    await w.reconcile('push');
    assert.equal(w.backend.writes.length, 2, 'the same values are not written again');
    w.putSecret(sourceSecret('source', { password: 'rotated-pa55', user: 'admin-user' }));
    w.clock.advance(HOUR);
    await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 'rotated-pa55');
    assert.equal(w.backend.writes.length, 3);
  });

  test('a spec change pushes at once, before the refresh is due', async () => {
    const w = world();
    await w.reconcile('push');
    w.apply(pushSecret('push', { data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: 'login' } } }] }));
    await w.reconcile('push');
    assert.equal(w.backend.value('login'), 'admin-user');
  });

  test('updatePolicy IfNotExists leaves an existing remote secret as it is and does not claim it', async () => {
    const w = world({ updatePolicy: 'IfNotExists', deletionPolicy: 'Delete', data: [passwordEntry] });
    w.backend.seedForeign('db', { password: 'foreign-value' });
    await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 'foreign-value');
    assert.equal(w.ready('push')?.reason, 'Synced');
    assert.match(w.ready('push')?.message ?? '', /existing secrets in providers unchanged/);
    assert.deepEqual(w.synced('push')?.['SecretStore/memory-store'], {}, 'nothing recorded: Delete will not remove it');
  });

  test('IfNotExists pushes a missing secret once and never overwrites it afterwards', async () => {
    const w = world({ updatePolicy: 'IfNotExists', data: [passwordEntry] });
    await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 's3cr3t-pa55');
    w.putSecret(sourceSecret('source', { password: 'rotated-pa55' }));
    w.clock.advance(HOUR);
    await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 's3cr3t-pa55');
    assert.ok(w.synced('push')?.['SecretStore/memory-store']?.['db/password'], 'still recorded as its own');
  });

  test('refuses to overwrite a remote secret Lockstep did not create, with a clear condition', async () => {
    const w = world({ data: [passwordEntry] });
    w.backend.seedForeign('db', { password: 'foreign-value' });
    const result = await w.reconcile('push');
    assert.equal(w.backend.value('db', 'password'), 'foreign-value');
    assert.equal(w.ready('push')?.status, 'False');
    assert.equal(w.ready('push')?.reason, 'Errored');
    assert.match(w.ready('push')?.message ?? '', /not created by Lockstep: refusing to overwrite it/);
    assert.equal(result.requeueAfter, 5 * 60_000, 'a user error waits for a change, not a hot retry');
    assert.deepEqual(w.events.reasons('Warning'), ['Errored']);
    assertNoValues(w);
  });
});

describe('PushSecret deletionPolicy', () => {
  test('Delete adds a finalizer and removes an entry dropped from spec.data', async () => {
    const w = world({ deletionPolicy: 'Delete' });
    await w.reconcile('push');
    assert.deepEqual(w.finalizers('push'), [PUSH_SECRET_FINALIZER]);
    w.apply(pushSecret('push', { deletionPolicy: 'Delete', data: [passwordEntry] }));
    await w.reconcile('push');
    assert.equal(w.backend.value('db', 'user'), undefined);
    assert.equal(w.backend.value('db', 'password'), 's3cr3t-pa55');
    assert.deepEqual(Object.keys(w.synced('push')?.['SecretStore/memory-store'] ?? {}), ['db/password']);
  });

  test('Delete removes what was pushed when the PushSecret is deleted, then lets it go', async () => {
    const w = world({ deletionPolicy: 'Delete' });
    await w.reconcile('push');
    w.delete('push');
    assert.ok(w.exists('push'), 'the finalizer holds it');
    await w.reconcile('push');
    assert.equal(w.backend.remote.has('db'), false);
    assert.equal(w.exists('push'), false);
  });

  test('None leaves pushed secrets in the store, with no finalizer', async () => {
    const w = world();
    await w.reconcile('push');
    assert.deepEqual(w.finalizers('push'), []);
    w.apply(pushSecret('push', { data: [passwordEntry] }));
    await w.reconcile('push');
    w.delete('push');
    assert.equal(w.exists('push'), false);
    assert.equal(w.backend.value('db', 'user'), 'admin-user');
    assert.equal(w.backend.writes.filter((x) => x.op === 'delete').length, 0);
  });

  test('switching Delete to None drops the finalizer', async () => {
    const w = world({ deletionPolicy: 'Delete' });
    await w.reconcile('push');
    w.apply(pushSecret('push', { data: [passwordEntry, userEntry] }));
    await w.reconcile('push');
    assert.deepEqual(w.finalizers('push'), []);
  });
});

describe('PushSecret bad input', () => {
  test('a missing source Secret: Errored naming it, nothing pushed, no hot retry', async () => {
    const w = world({ selector: { secret: { name: 'absent' } } });
    const result = await w.reconcile('push');
    assert.equal(w.ready('push')?.reason, 'Errored');
    assert.match(w.ready('push')?.message ?? '', /Secret "absent" not found in namespace "apps"/);
    assert.equal(w.backend.writes.length, 0);
    assert.equal(result.requeueAfter, 5 * 60_000);
  });

  test('a key missing in the source Secret: Errored naming the key', async () => {
    const w = world({ data: [{ match: { secretKey: 'nope', remoteRef: { remoteKey: 'db' } } }] });
    await w.reconcile('push');
    assert.match(w.ready('push')?.message ?? '', /key "nope" not found in Secret "source"/);
    assert.equal(w.backend.writes.length, 0);
  });

  test('a missing store: Errored naming the store', async () => {
    const w = world({ secretStoreRefs: [{ name: 'absent-store', kind: 'SecretStore' }] });
    await w.reconcile('push');
    assert.match(w.ready('push')?.message ?? '', /SecretStore "absent-store" not found in namespace "apps"/);
  });

  test('a SecretStore of another namespace is never used, even by label', async () => {
    const w = world({ secretStoreRefs: [{ kind: 'SecretStore', labelSelector: { matchLabels: { team: 'a' } } }] });
    w.storeLists['SecretStore/other'] = [
      { metadata: { namespace: 'other', name: 'theirs', labels: { team: 'a' } }, spec: { provider: { memory: {} } } },
    ];
    await w.reconcile('push');
    assert.equal(w.backend.writes.length, 0);
    assert.deepEqual(w.synced('push'), {});
  });

  test('a ClusterSecretStore whose conditions refuse the namespace is not used', async () => {
    const w = world({ secretStoreRefs: [{ name: 'shared', kind: 'ClusterSecretStore' }] });
    w.clusterSecretStores.set({
      metadata: { name: 'shared' },
      spec: { provider: { memory: {} }, conditions: [{ namespaces: ['somewhere-else'] }] },
    });
    await w.reconcile('push');
    assert.match(w.ready('push')?.message ?? '', /ClusterSecretStore "shared" does not allow namespace "apps"/);
    assert.equal(w.backend.writes.length, 0);
  });

  test('a label selector reads Secrets of its own namespace only', async () => {
    const w = world({ selector: { secret: { selector: { matchLabels: { push: 'yes' } } } }, data: [passwordEntry] });
    w.putSecret(sourceSecret('labelled', { password: 's3cr3t-pa55' }, { push: 'yes' }));
    w.putSecret(sourceSecret('elsewhere', { password: 'foreign-value' }, { push: 'yes' }, 'other'));
    await w.reconcile('push');
    assert.deepEqual(w.listedNamespaces, [NAMESPACE]);
    assert.equal(w.backend.value('db', 'password'), 's3cr3t-pa55');
  });

  test('a generator selector pushes the generated value; templates apply over the source', async () => {
    const w = world({
      selector: { generatorRef: { apiVersion: 'generators.lockstep.dev/v1alpha1', kind: 'Password', name: 'pw' } },
      data: [{ match: { secretKey: 'dsn', remoteRef: { remoteKey: 'dsn' } } }],
      template: { data: { dsn: 'postgres://app:{{ .password }}@db' } },
    });
    await w.reconcile('push');
    assert.equal(w.backend.value('dsn'), 'postgres://app:generated-password@db');
    assertNoValues(w);
  });

  test('no secretKey pushes the whole Secret as one JSON object', async () => {
    const w = world({ data: [{ match: { remoteRef: { remoteKey: 'whole' } } }] });
    await w.reconcile('push');
    assert.deepEqual(JSON.parse(w.backend.value('whole') ?? '{}'), { password: 's3cr3t-pa55', user: 'admin-user' });
  });
});
