// ExternalSecrets over OpenBao KV v1 and v2 through the real `lockstep` binary: kubernetes
// auth against this file's API server and token auth, every data source, refreshes that
// carry changes and write nothing otherwise, reads bounded by the distinct keys (from
// /metrics), and ClusterSecretStore conditions.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, refreshedTwice, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { clusterSecretStore, externalSecret, secretStore } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { CROWD_REFRESH_INTERVAL, measureSharedReads } from '../testing/shared-reads.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('ExternalSecret with OpenBao KV', () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let ns: string;
  let kv2: string;
  let kv1: string;
  let readPolicy: string;
  const es = (name: string, spec: object, namespace = ns) =>
    e.apply(externalSecret(namespace, name, { refreshInterval: '2s', ...spec }));
  const write = async (
    mount: string,
    version: 1 | 2,
    path: string,
    data: Record<string, string>,
    tags?: Record<string, string>,
  ) => {
    e.rememberSecretValues(...Object.values(data));
    await bao.writeKv(mount, version, path, data, tags);
  };

  /** A SecretStore named `vault` in `namespace` reading `kv2` with kubernetes auth as service account `app`. */
  const kubernetesStore = async (namespace: string) => {
    await e.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'app' } } });
    const role = await bao.kubernetesRole(namespace, 'app', readPolicy);
    await e.apply(
      secretStore(namespace, 'vault', {
        vault: {
          server: bao.addr,
          path: kv2,
          version: 'v2',
          auth: { kubernetes: { mountPath: bao.authMount, role, serviceAccountRef: { name: 'app' } } },
        },
      }),
    );
    await waitForReady(e, { kind: 'SecretStore', namespace, name: 'vault' }, 'True');
  };

  before(async () => {
    e = await startE2e({ file: 'vault' });
    bao = await openBaoForE2e(e);
    kv2 = await bao.kvMount('kv2', 2);
    kv1 = await bao.kvMount('kv1', 1);
    readPolicy = [kv2, kv1].map((m) => `path "${m}/*" { capabilities = ["read", "list"] }`).join('\n');
    ns = await e.namespace('vault');
    await kubernetesStore(ns);
  });
  after(async () => {
    await e?.stop();
    await bao?.stop();
  });

  test('KV v2 with kubernetes auth: data, property, version, extract, find by path, name and tags, rewrite', async () => {
    await write(kv2, 2, 'app/db', { username: 'bao-user', password: 'bao-Passw0rd-v1' });
    await write(kv2, 2, 'app/db', { username: 'bao-user', password: 'bao-Passw0rd-v2' });
    await write(kv2, 2, 'app/api-alpha', { token: 'bao-alpha-token' }, { team: 'payments' });
    await write(kv2, 2, 'app/api-beta', { token: 'bao-beta-token' }, { team: 'search' });
    await write(kv2, 2, 'other/api-gamma', { token: 'bao-gamma-token' });
    await es('kv2', {
      secretStoreRef: { name: 'vault' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'app/db', property: 'password' } },
        { secretKey: 'first-password', remoteRef: { key: 'app/db', property: 'password', version: '1' } },
        { secretKey: 'whole', remoteRef: { key: `${kv2}/data/app/db` } },
      ],
      dataFrom: [
        { extract: { key: 'app/db' } },
        {
          find: { path: 'app', name: { regexp: 'api-' } },
          rewrite: [{ regexp: { source: '^app/api-(.*)$', target: 'api_$1' } }],
        },
        {
          find: { tags: { team: 'payments' } },
          rewrite: [{ regexp: { source: '/', target: '_' } }, { transform: { template: 'tagged_{{ .value }}' } }],
        },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'kv2'));
    assert.deepEqual(data, {
      password: 'bao-Passw0rd-v2',
      'first-password': 'bao-Passw0rd-v1',
      whole: JSON.stringify({ password: 'bao-Passw0rd-v2', username: 'bao-user' }),
      username: 'bao-user',
      api_alpha: JSON.stringify({ token: 'bao-alpha-token' }),
      api_beta: JSON.stringify({ token: 'bao-beta-token' }),
      'tagged_app_api-alpha': JSON.stringify({ token: 'bao-alpha-token' }),
    });
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'kv2' }, 'True');
  });

  test('KV v1 with token auth: data, extract, find by path with rewrite', async () => {
    const token = await bao.token(readPolicy);
    e.rememberSecretValues(token);
    await userSecret(e, ns, 'vault-token', { token });
    await e.apply(
      secretStore(ns, 'vault-v1', {
        vault: {
          server: bao.addr,
          path: kv1,
          version: 'v1',
          auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
        },
      }),
    );
    await write(kv1, 1, 'legacy/db', { user: 'legacy-user', pass: 'legacy-Passw0rd' });
    await write(kv1, 1, 'legacy/cache', { pass: 'legacy-cache-pass' });
    await es('kv1', {
      secretStoreRef: { name: 'vault-v1' },
      data: [{ secretKey: 'db-pass', remoteRef: { key: 'legacy/db', property: 'pass' } }],
      dataFrom: [
        { extract: { key: 'legacy/db' } },
        { find: { path: 'legacy' }, rewrite: [{ regexp: { source: '^legacy/', target: 'legacy-' } }] },
      ],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'kv1'));
    assert.deepEqual(data, {
      'db-pass': 'legacy-Passw0rd',
      user: 'legacy-user',
      pass: 'legacy-Passw0rd',
      'legacy-db': JSON.stringify({ pass: 'legacy-Passw0rd', user: 'legacy-user' }),
      'legacy-cache': JSON.stringify({ pass: 'legacy-cache-pass' }),
    });
  });

  test('a value changed in OpenBao reaches the Secret on the next refresh; an unchanged refresh writes nothing', async () => {
    await write(kv2, 2, 'rotating', { value: 'bao-rotating-v1' });
    await es('rotating', {
      secretStoreRef: { name: 'vault' },
      data: [{ secretKey: 'value', remoteRef: { key: 'rotating', property: 'value' } }],
    });
    await waitFor('the first value', async () => (await e.secret(ns, 'rotating'))?.value === 'bao-rotating-v1');
    const writes = e.secretWrites(ns);
    await refreshedTwice(e, ns, 'rotating');
    assert.equal(e.secretWrites(ns) - writes, 0, 'an unchanged refresh writes nothing');

    await write(kv2, 2, 'rotating', { value: 'bao-rotating-v2' });
    await waitFor('the new value', async () => (await e.secret(ns, 'rotating'))?.value === 'bao-rotating-v2', 10_000);
    assert.equal(e.secretWrites(ns) - writes, 1, 'one change, one write');

    // A Secret deleted by hand comes back without waiting for the refresh.
    await e.core.deleteNamespacedSecret({ namespace: ns, name: 'rotating' });
    await waitFor(
      'the Secret to be recreated',
      async () => (await e.secret(ns, 'rotating'))?.value === 'bao-rotating-v2',
    );
  });

  test('50 ExternalSecrets sharing 5 keys make at most 5 Vault reads per refresh', async () => {
    const { calls, periods, writes } = await measureSharedReads(e, {
      previousNamespace: ns,
      async prepare(crowd) {
        await kubernetesStore(crowd);
        for (let i = 0; i < 5; i++) await write(kv2, 2, `shared/${i}`, { v: `bao-shared-value-${i}` });
      },
      externalSecret: (crowd, name, key) =>
        es(
          name,
          {
            refreshInterval: CROWD_REFRESH_INTERVAL,
            secretStoreRef: { name: 'vault' },
            data: [{ secretKey: 'v', remoteRef: { key: `shared/${key}`, property: 'v' } }],
          },
          crowd,
        ),
      calls: async () =>
        counterValue(await e.controller.metrics(), 'lockstep_provider_requests_total', { provider: 'vault' }),
    });
    assert.ok(calls > 0, 'the refreshes read OpenBao');
    assert.ok(calls <= 5 * periods, `${calls} Vault reads in ${periods} refresh periods of 5 keys`);
    assert.equal(writes, 0, 'unchanged values are not written');
  });

  test('a ClusterSecretStore serves only the namespaces its conditions allow', async () => {
    const token = await bao.token(readPolicy);
    e.rememberSecretValues(token);
    const allowed = await e.namespace('allowed', { team: 'payments' });
    const refused = await e.namespace('refused', { team: 'search' });
    await userSecret(e, e.controllerNamespace, 'css-token', { token });
    const name = e.unique('css');
    await e.apply(
      clusterSecretStore(
        name,
        {
          vault: {
            server: bao.addr,
            path: kv2,
            auth: { tokenSecretRef: { name: 'css-token', key: 'token', namespace: e.controllerNamespace } },
          },
        },
        { conditions: [{ namespaceSelector: { matchLabels: { team: 'payments' } } }] },
      ),
    );
    await waitForReady(e, { kind: 'ClusterSecretStore', name }, 'True');
    await write(kv2, 2, 'cluster/shared', { value: 'bao-cluster-shared' });
    const spec = {
      secretStoreRef: { name, kind: 'ClusterSecretStore' },
      data: [{ secretKey: 'value', remoteRef: { key: 'cluster/shared', property: 'value' } }],
    };
    await es('shared', spec, allowed);
    await es('shared', spec, refused);
    assert.equal((await waitFor('the allowed Secret', () => e.secret(allowed, 'shared'))).value, 'bao-cluster-shared');
    const cond = await waitForReady(e, { kind: 'ExternalSecret', namespace: refused, name: 'shared' }, 'False');
    assert.equal(cond.reason, 'SecretSyncedError');
    assert.match(cond.message ?? '', new RegExp(`ClusterSecretStore "${name}" does not allow namespace "${refused}"`));
    assert.equal(await e.secret(refused, 'shared'), undefined);

    // Labelling the namespace lets it in.
    const ns = await e.core.readNamespace({ name: refused });
    await e.core.replaceNamespace({
      name: refused,
      body: { ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata?.labels, team: 'payments' } } },
    });
    await waitFor('the Secret once allowed', () => e.secret(refused, 'shared'));
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
