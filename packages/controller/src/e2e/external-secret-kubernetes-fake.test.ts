// ExternalSecrets over the fake provider and the kubernetes provider (Secrets of another
// namespace of the embedded API server), through the real `lockstep` binary: every data
// source, creation and deletion policy, and templates, asserted on the Secrets users get.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { grantSecretAccess } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

const FAKE_DATA = [
  { key: '/app/db', value: '{"username":"fake-user","password":"fake-Passw0rd-1"}' },
  { key: '/app/api-key', value: 'fake-api-key-123' },
  { key: '/app/api-key', value: 'fake-api-key-v1-old', version: 'v1' },
  { key: 'team-a-token', value: 'fake-team-a-token' },
  { key: 'team-b-token', value: 'fake-team-b-token' },
];

describe('ExternalSecret with the fake and kubernetes providers', () => {
  let e: E2e;
  let ns: string;
  const es = (name: string, spec: object) => e.apply(externalSecret(ns, name, { refreshInterval: '1s', ...spec }));
  const ready = (name: string, status: 'True' | 'False' = 'True', reason?: string) =>
    waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name }, status, reason ? { reason } : {});
  const store = { secretStoreRef: { name: 'fake', kind: 'SecretStore' } };

  before(async () => {
    e = await startE2e({ file: 'kubefake' });
    e.rememberSecretValues(...FAKE_DATA.map((d) => d.value), 'fake-user', 'fake-Passw0rd-1', 'remote-db-Passw0rd');
    ns = await e.namespace('kubefake');
    await e.apply(secretStore(ns, 'fake', { fake: { data: FAKE_DATA } }));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'fake' }, 'True');
  });
  after(async () => {
    await e?.stop();
  });

  test('fake store: data with property and version, dataFrom extract and find with rewrite reach the Secret', async () => {
    await es('all-sources', {
      ...store,
      target: { name: 'all-sources' },
      data: [
        { secretKey: 'db-password', remoteRef: { key: '/app/db', property: 'password' } },
        { secretKey: 'api-key', remoteRef: { key: '/app/api-key' } },
        { secretKey: 'api-key-v1', remoteRef: { key: '/app/api-key', version: 'v1' } },
      ],
      dataFrom: [
        { extract: { key: '/app/db' } },
        {
          find: { name: { regexp: '^team-.*-token$' } },
          rewrite: [
            { regexp: { source: '^team-(?P<team>[a-z]+)-token$', target: 'TOKEN_${team}' } },
            { transform: { template: '{{ .value | upper }}' } },
          ],
        },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'all-sources'));
    assert.deepEqual(data, {
      'db-password': 'fake-Passw0rd-1',
      'api-key': 'fake-api-key-123',
      'api-key-v1': 'fake-api-key-v1-old',
      username: 'fake-user',
      password: 'fake-Passw0rd-1',
      TOKEN_A: 'fake-team-a-token',
      TOKEN_B: 'fake-team-b-token',
    });
    const cond = await ready('all-sources');
    assert.equal(cond.reason, 'SecretSynced');
    const obj = await e.get(EXTERNAL, 'ExternalSecret', ns, 'all-sources');
    assert.equal(obj?.status?.binding?.name, 'all-sources');
    assert.ok(obj?.status?.refreshTime);
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'all-sources' });
    assert.equal(secret.metadata?.labels?.['lockstep.dev/managed'], 'true');
    const mac = secret.metadata?.annotations?.['lockstep.dev/data-hmac'] ?? '';
    assert.ok(mac.length >= 40, 'a keyed HMAC of the data');
  });

  test('kubernetes store: Secrets of remoteNamespace read with a service account token (data, extract, find, rewrite)', async () => {
    const remote = await e.namespace('remote');
    await userSecret(e, remote, 'db-creds', { username: 'remote-user', password: 'remote-db-Passw0rd' });
    await userSecret(e, remote, 'app-one', { token: 'one' });
    await userSecret(e, remote, 'app-two', { token: 'two' });
    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'store-reader' } } });
    // What ESO's docs ask of the store's service account: read Secrets in the remote namespace.
    await grantSecretAccess(e.kc, remote, { namespace: ns, name: 'store-reader' }, ['get', 'list', 'watch']);
    await e.apply(
      secretStore(ns, 'cluster-secrets', {
        kubernetes: { remoteNamespace: remote, auth: { serviceAccount: { name: 'store-reader' } } },
      }),
    );
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'cluster-secrets' }, 'True');
    await es('from-kubernetes', {
      secretStoreRef: { name: 'cluster-secrets' },
      data: [{ secretKey: 'pw', remoteRef: { key: 'db-creds', property: 'password' } }],
      dataFrom: [
        { extract: { key: 'db-creds' }, rewrite: [{ regexp: { source: '(.*)', target: 'db_$1' } }] },
        { find: { name: { regexp: '^app-' } }, rewrite: [{ regexp: { source: '^app-(.*)$', target: '$1.json' } }] },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'from-kubernetes'));
    assert.equal(data.pw, 'remote-db-Passw0rd');
    assert.equal(data.db_username, 'remote-user');
    assert.equal(data.db_password, 'remote-db-Passw0rd');
    assert.deepEqual(JSON.parse(data['one.json'] ?? '{}'), { token: 'one' });
    assert.deepEqual(JSON.parse(data['two.json'] ?? '{}'), { token: 'two' });
  });

  test('kubernetes store: server.url trusted through a caProvider ConfigMap; a missing one is Ready=False', async () => {
    const remote = await e.namespace('remote-ca');
    await userSecret(e, remote, 'db-creds', { password: 'remote-db-Passw0rd' });
    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'ca-reader' } } });
    await grantSecretAccess(e.kc, remote, { namespace: ns, name: 'ca-reader' }, ['get', 'list', 'watch']);
    const cluster = e.kc.getCurrentCluster();
    const caPem = Buffer.from(cluster?.caData ?? '', 'base64').toString('utf8');
    await e.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'api-server-ca' }, data: { 'ca.crt': caPem } },
    });
    const store = (name: string, configMap: string) =>
      secretStore(ns, name, {
        kubernetes: {
          remoteNamespace: remote,
          server: { url: cluster?.server, caProvider: { type: 'ConfigMap', name: configMap, key: 'ca.crt' } },
          auth: { serviceAccount: { name: 'ca-reader' } },
        },
      });
    await e.apply(store('ca-from-configmap', 'api-server-ca'));
    await e.apply(store('ca-missing', 'no-such-ca'));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'ca-from-configmap' }, 'True');
    const missing = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'ca-missing' }, 'False');
    assert.match(
      missing.message ?? '',
      new RegExp(
        `ConfigMap "no-such-ca" not found in namespace "${ns}": spec.provider.kubernetes.server.caProvider needs it`,
      ),
    );
    await es('via-ca-configmap', {
      secretStoreRef: { name: 'ca-from-configmap' },
      data: [{ secretKey: 'pw', remoteRef: { key: 'db-creds', property: 'password' } }],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'via-ca-configmap'));
    assert.equal(data.pw, 'remote-db-Passw0rd');
  });

  test('creationPolicy Owner: the Secret belongs to the ExternalSecret and is deleted with it', async () => {
    await es('owner', { ...store, data: [{ secretKey: 'k', remoteRef: { key: '/app/api-key' } }] });
    await waitFor('the Secret', () => e.secret(ns, 'owner'));
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'owner' });
    const owner = secret.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'ExternalSecret');
    assert.equal(owner?.name, 'owner');
    assert.equal(owner?.controller, true);
    await e.remove(EXTERNAL, 'ExternalSecret', ns, 'owner');
    await waitFor('the Secret to be garbage-collected', async () => (await e.secret(ns, 'owner')) === undefined);
  });

  test('creationPolicy Orphan: the Secret has no owner and stays when the ExternalSecret is deleted', async () => {
    await es('orphan', {
      ...store,
      target: { name: 'orphan-secret', creationPolicy: 'Orphan' },
      data: [{ secretKey: 'k', remoteRef: { key: '/app/api-key' } }],
    });
    await waitFor('the Secret', () => e.secret(ns, 'orphan-secret'));
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'orphan-secret' });
    assert.equal(secret.metadata?.ownerReferences, undefined);
    await ready('orphan');
    await e.remove(EXTERNAL, 'ExternalSecret', ns, 'orphan');
    await waitFor(
      'the ExternalSecret to be gone',
      async () => !(await e.get(EXTERNAL, 'ExternalSecret', ns, 'orphan')),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await e.secret(ns, 'orphan-secret'), { k: 'fake-api-key-123' });
  });

  test('creationPolicy Merge: keys are merged into an existing Secret and its own keys stay', async () => {
    await userSecret(e, ns, 'hand-made', { 'own-key': 'kept', k: 'overwritten' });
    await es('merge', {
      ...store,
      target: { name: 'hand-made', creationPolicy: 'Merge' },
      data: [{ secretKey: 'k', remoteRef: { key: '/app/api-key' } }],
    });
    await waitFor('the merged key', async () => (await e.secret(ns, 'hand-made'))?.k === 'fake-api-key-123');
    assert.equal((await e.secret(ns, 'hand-made'))?.['own-key'], 'kept');
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'hand-made' });
    assert.equal(secret.metadata?.ownerReferences, undefined, 'Merge never takes ownership');
    await ready('merge');
  });

  test('creationPolicy None: no Secret is written and the ExternalSecret is Ready', async () => {
    await es('none', {
      ...store,
      target: { name: 'never-written', creationPolicy: 'None' },
      data: [{ secretKey: 'k', remoteRef: { key: '/app/api-key' } }],
    });
    await ready('none');
    assert.equal(await e.secret(ns, 'never-written'), undefined);
    assert.equal(e.secretWrites(ns, 'never-written'), 0);
  });

  test('deletionPolicy Retain, Delete and Merge when remote keys disappear', async () => {
    const data = [
      { key: 'gone-1', value: 'fake-gone-one' },
      { key: 'gone-2', value: 'fake-gone-two' },
      { key: 'stays', value: 'fake-stays' },
    ];
    e.rememberSecretValues(...data.map((d) => d.value));
    await e.apply(secretStore(ns, 'shrinking', { fake: { data } }));
    const src = { secretStoreRef: { name: 'shrinking' } };
    const refs = (...keys: string[]) => keys.map((k) => ({ secretKey: k, remoteRef: { key: k } }));
    await es('retain', { ...src, target: { deletionPolicy: 'Retain' }, data: refs('gone-1', 'stays') });
    await es('delete', { ...src, target: { deletionPolicy: 'Delete' }, data: refs('gone-1', 'gone-2') });
    await es('merge-policy', { ...src, target: { deletionPolicy: 'Merge' }, data: refs('gone-2', 'stays') });
    for (const name of ['retain', 'delete', 'merge-policy']) await waitFor(name, () => e.secret(ns, name));

    await e.apply(secretStore(ns, 'shrinking', { fake: { data: [data[2]] } }));
    // Retain: the Secret keeps its last data, the condition says what is missing.
    const retained = await ready('retain', 'False', 'SecretSyncedError');
    assert.match(retained.message ?? '', /gone-1/);
    assert.deepEqual(await e.secret(ns, 'retain'), { 'gone-1': 'fake-gone-one', stays: 'fake-stays' });
    // Delete: every remote key is gone, so is the Secret.
    await waitFor('the Secret to be deleted', async () => (await e.secret(ns, 'delete')) === undefined);
    // The Secret goes before the status says why: wait for the reason, not just Ready=True.
    assert.equal((await ready('delete', 'True', 'SecretDeleted')).reason, 'SecretDeleted');
    // Merge: the missing key leaves the Secret, the Secret stays.
    await waitFor('the key to be dropped', async () => {
      const s = await e.secret(ns, 'merge-policy');
      return s && !('gone-2' in s) && s.stays === 'fake-stays';
    });
  });

  test('templates: data, templateFrom configMap and literal, labels and annotations, mergePolicy, type', async () => {
    await e.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'tpl' },
        data: {
          'config.yaml': 'db:\n  user: {{ .username }}\n  password: {{ .password | quote }}\n',
          env: 'DB_USER: {{ .username }}\nAPI_KEY: "{{ .apikey }}"',
        },
      },
    });
    const base = {
      ...store,
      data: [{ secretKey: 'apikey', remoteRef: { key: '/app/api-key' } }],
      dataFrom: [{ extract: { key: '/app/db' } }],
    };
    await es('templated', {
      ...base,
      target: {
        name: 'templated',
        template: {
          type: 'kubernetes.io/basic-auth',
          metadata: { labels: { app: 'web' }, annotations: { team: 'payments' } },
          data: {
            username: '{{ .username | upper }}',
            password: '{{ .password }}',
            dsn: '{{ printf "postgres://%s:%s@db" .username .password | b64enc }}',
          },
          templateFrom: [
            {
              configMap: { name: 'tpl', items: [{ key: 'config.yaml' }, { key: 'env', templateAs: 'KeysAndValues' }] },
            },
            { literal: 'from-literal: "{{ .username }}-lit"' },
            { target: 'Annotations', literal: 'rendered-user: {{ .username }}' },
            { target: 'Labels', literal: 'tier: {{ "backend" }}' },
          ],
        },
      },
    });
    const data = await waitFor('the templated Secret', () => e.secret(ns, 'templated'));
    assert.deepEqual(data, {
      username: 'FAKE-USER',
      password: 'fake-Passw0rd-1',
      dsn: Buffer.from('postgres://fake-user:fake-Passw0rd-1@db').toString('base64'),
      'config.yaml': 'db:\n  user: fake-user\n  password: "fake-Passw0rd-1"\n',
      DB_USER: 'fake-user',
      API_KEY: 'fake-api-key-123',
      'from-literal': 'fake-user-lit',
    });
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'templated' });
    assert.equal(secret.type, 'kubernetes.io/basic-auth');
    assert.equal(secret.metadata?.labels?.app, 'web');
    assert.equal(secret.metadata?.labels?.tier, 'backend');
    assert.equal(secret.metadata?.annotations?.team, 'payments');
    assert.equal(secret.metadata?.annotations?.['rendered-user'], 'fake-user');

    // mergePolicy Merge keeps the provider's keys next to the rendered ones.
    await es('template-merge', {
      ...base,
      target: { template: { mergePolicy: 'Merge', data: { greeting: 'hello {{ .username }}' } } },
    });
    assert.deepEqual(await waitFor('the merged template', () => e.secret(ns, 'template-merge')), {
      apikey: 'fake-api-key-123',
      username: 'fake-user',
      password: 'fake-Passw0rd-1',
      greeting: 'hello fake-user',
    });
  });

  test('a namespaced store never reaches across namespaces', async () => {
    const other = await e.namespace('other');
    await e.apply(
      secretStore(ns, 'cross', {
        kubernetes: { remoteNamespace: other, auth: { serviceAccount: { name: 'store-reader', namespace: other } } },
      }),
    );
    const storeCond = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'cross' }, 'False');
    assert.match(storeCond.message ?? '', /namespace/);
    await es('cross', { secretStoreRef: { name: 'cross' }, data: [{ secretKey: 'k', remoteRef: { key: 'x' } }] });
    const cond = await ready('cross', 'False');
    assert.match(cond.message ?? '', /namespace/);
    // A SecretStore of another namespace is simply not found from here.
    await e.apply(secretStore(other, 'theirs', { fake: { data: [{ key: 'k', value: 'fake-theirs' }] } }));
    await es('not-mine', { secretStoreRef: { name: 'theirs' }, data: [{ secretKey: 'k', remoteRef: { key: 'k' } }] });
    const notMine = await ready('not-mine', 'False');
    assert.match(notMine.message ?? '', /SecretStore "theirs" not found in namespace/);
    assert.equal(await e.secret(ns, 'not-mine'), undefined);
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
