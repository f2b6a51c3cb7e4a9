// PushSecrets through the real `lockstep` binary to OpenBao KV v2 and v1, AWS Secrets Manager
// (moto) and the Kubernetes provider: ESO's documented manifests with only apiVersion changed,
// ownership marks (custom_metadata, tags, an annotation) so nothing Lockstep did not create is
// overwritten or deleted, deletionPolicy Delete through the finalizer, and bad-input rows.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { grantSecretAccess, motoFromEnv, requirePeerEnv, secretsManagerClient } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { awsProvider, EXTERNAL, secretStore } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { waitFor } from '../testing/wait-for.ts';

describe('PushSecret to OpenBao, AWS Secrets Manager and Kubernetes', () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let sm: SecretsManagerClient;
  let ns: string;
  let kv2: string;
  let kv1: string;
  let prefix: string;
  const push = (name: string, spec: object) =>
    e.apply({
      apiVersion: EXTERNAL,
      kind: 'PushSecret',
      metadata: { name, namespace: ns },
      spec: { refreshInterval: '2s', ...spec },
    });
  const ready = (name: string, status: 'True' | 'False' = 'True') =>
    waitForReady(e, { kind: 'PushSecret', namespace: ns, name }, status, {
      reason: status === 'True' ? 'Synced' : 'Errored',
    });
  const kv2Data = async (path: string) =>
    ((await bao.bao.read(`${kv2}/data/${path}`).catch(() => undefined)) as { data?: { data?: unknown } } | undefined)
      ?.data?.data;
  const kv1Data = async (path: string) =>
    ((await bao.bao.read(`${kv1}/${path}`).catch(() => undefined)) as { data?: unknown } | undefined)?.data;

  before(async () => {
    e = await startE2e({ file: 'push' });
    bao = await openBaoForE2e(e);
    sm = secretsManagerClient(motoFromEnv());
    prefix = e.unique('push');
    kv2 = await bao.kvMount('kv2', 2);
    kv1 = await bao.kvMount('kv1', 1);
    ns = await e.namespace('push');
    const token = await bao.token(
      [kv2, kv1]
        .map((m) => `path "${m}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`)
        .join('\n'),
    );
    e.rememberSecretValues(token);
    await userSecret(e, ns, 'vault-token', { token });
    for (const [name, mount, version] of [
      ['vault-secretstore', kv2, 'v2'],
      ['vault-v1', kv1, 'v1'],
    ] as const) {
      await e.apply(
        secretStore(ns, name, {
          vault: {
            server: bao.addr,
            path: mount,
            version,
            auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
          },
        }),
      );
    }
    await userSecret(e, ns, 'aws-creds', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    await e.apply(secretStore(ns, 'aws', awsProvider(requirePeerEnv('moto').AWS_REGION as string, 'aws-creds')));
    for (const name of ['vault-secretstore', 'vault-v1', 'aws'])
      await waitForReady(e, { kind: 'SecretStore', namespace: ns, name }, 'True');
  });
  after(async () => {
    await e?.stop();
    await bao?.stop();
    if (sm && prefix) {
      const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }));
      for (const s of listed.SecretList ?? [])
        await sm.send(new DeleteSecretCommand({ SecretId: s.Name, ForceDeleteWithoutRecovery: true })).catch(() => {});
      sm.destroy();
    }
  });

  test("ESO's vault-pushsecret.yaml (source Secret and PushSecret applied together) reaches KV v2, marked as Lockstep's", async () => {
    e.rememberSecretValues('eso-doc-bar');
    // ESO docs: docs/snippets/vault-pushsecret.yaml, apiVersion changed (and the namespace).
    await Promise.all([
      userSecret(e, ns, 'source-secret', { 'source-key1': '{"foo":"eso-doc-bar"}', 'source-key2': 'eso-doc-bar' }),
      e.apply({
        apiVersion: EXTERNAL,
        kind: 'PushSecret',
        metadata: { name: 'pushsecret-example', namespace: ns },
        spec: {
          refreshInterval: '1h',
          secretStoreRefs: [{ name: 'vault-secretstore', kind: 'SecretStore' }],
          selector: { secret: { name: 'source-secret' } },
          data: [
            { match: { secretKey: 'source-key1', remoteRef: { remoteKey: 'vault/secret1' } } },
            { match: { secretKey: 'source-key2', remoteRef: { remoteKey: 'vault/secret2', property: 'foo' } } },
          ],
        },
      }),
    ]);
    await ready('pushsecret-example');
    assert.deepEqual(await kv2Data('vault/secret1'), { foo: 'eso-doc-bar' });
    assert.deepEqual(await kv2Data('vault/secret2'), { foo: 'eso-doc-bar' });
    const meta = (await bao.bao.read(`${kv2}/metadata/vault/secret1`)) as { data?: { custom_metadata?: unknown } };
    assert.deepEqual(meta.data?.custom_metadata, { 'managed-by': 'lockstep' });
    const ps = await e.get(EXTERNAL, 'PushSecret', ns, 'pushsecret-example');
    assert.deepEqual(Object.keys(ps?.status?.syncedPushSecrets?.['SecretStore/vault-secretstore'] ?? {}).sort(), [
      'vault/secret1',
      'vault/secret2/foo',
    ]);
  });

  test('KV v2: a changed source is pushed at the next refresh; Delete removes it with the PushSecret', async () => {
    e.rememberSecretValues('kv2-Passw0rd-1', 'kv2-Passw0rd-2');
    await userSecret(e, ns, 'db', { password: 'kv2-Passw0rd-1' });
    await push('db-kv2', {
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'vault-secretstore' }],
      selector: { secret: { name: 'db' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'app/db', property: 'password' } } }],
    });
    await ready('db-kv2');
    assert.deepEqual(await kv2Data('app/db'), { password: 'kv2-Passw0rd-1' });
    await e.core.replaceNamespacedSecret({
      namespace: ns,
      name: 'db',
      body: { metadata: { name: 'db' }, stringData: { password: 'kv2-Passw0rd-2' } },
    });
    await waitFor(
      'the new value in OpenBao',
      async () => (await kv2Data('app/db')) && JSON.stringify(await kv2Data('app/db')).includes('kv2-Passw0rd-2'),
    );
    await e.remove(EXTERNAL, 'PushSecret', ns, 'db-kv2');
    await waitFor('the PushSecret gone', async () => !(await e.get(EXTERNAL, 'PushSecret', ns, 'db-kv2')));
    assert.equal(await kv2Data('app/db'), undefined, 'deletionPolicy Delete removed what it pushed');
  });

  test('KV v2 and v1: a remote secret Lockstep did not create is refused with a clear condition and left as it is', async () => {
    e.rememberSecretValues('foreign-Passw0rd', 'ours-Passw0rd');
    await bao.writeKv(kv2, 2, 'team/foreign', { password: 'foreign-Passw0rd' });
    await bao.writeKv(kv1, 1, 'team/foreign', { password: 'foreign-Passw0rd' });
    await userSecret(e, ns, 'ours', { password: 'ours-Passw0rd' });
    for (const [name, store] of [
      ['foreign-kv2', 'vault-secretstore'],
      ['foreign-kv1', 'vault-v1'],
    ] as const) {
      await push(name, {
        deletionPolicy: 'Delete',
        secretStoreRefs: [{ name: store }],
        selector: { secret: { name: 'ours' } },
        data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'team/foreign', property: 'password' } } }],
      });
      const cond = await ready(name, 'False');
      assert.match(cond.message ?? '', /refusing to overwrite it/);
    }
    assert.deepEqual(await kv2Data('team/foreign'), { password: 'foreign-Passw0rd' });
    assert.deepEqual(await kv1Data('team/foreign'), { password: 'foreign-Passw0rd' });
    await e.remove(EXTERNAL, 'PushSecret', ns, 'foreign-kv2');
    await e.remove(EXTERNAL, 'PushSecret', ns, 'foreign-kv1');
    await waitFor(
      'both gone',
      async () =>
        !(await e.get(EXTERNAL, 'PushSecret', ns, 'foreign-kv1')) &&
        !(await e.get(EXTERNAL, 'PushSecret', ns, 'foreign-kv2')),
    );
    assert.deepEqual(
      await kv2Data('team/foreign'),
      { password: 'foreign-Passw0rd' },
      'nothing it did not push is deleted',
    );
    assert.deepEqual(await kv1Data('team/foreign'), { password: 'foreign-Passw0rd' });
  });

  test('KV v1: pushes to a free path, updates its own push, and removes an entry dropped from data', async () => {
    e.rememberSecretValues('kv1-api-key', 'kv1-user');
    await userSecret(e, ns, 'api', { key: 'kv1-api-key', user: 'kv1-user' });
    const data = [
      { match: { secretKey: 'key', remoteRef: { remoteKey: 'legacy/api', property: 'key' } } },
      { match: { secretKey: 'user', remoteRef: { remoteKey: 'legacy/api', property: 'user' } } },
    ];
    const spec = {
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'vault-v1' }],
      selector: { secret: { name: 'api' } },
    };
    await push('api-kv1', { ...spec, data });
    await ready('api-kv1');
    assert.deepEqual(await kv1Data('legacy/api'), { key: 'kv1-api-key', user: 'kv1-user' });
    await push('api-kv1', { ...spec, data: data.slice(0, 1) });
    await waitFor('the dropped property removed', async () => {
      const now = (await kv1Data('legacy/api')) as Record<string, string> | undefined;
      return now && !('user' in now) && now.key === 'kv1-api-key';
    });
  });

  test('AWS Secrets Manager: a property pushed with the managed-by tag; unowned and non-JSON secrets refused', async () => {
    e.rememberSecretValues('aws-push-Passw0rd', 'aws-theirs', 'aws-plain-text');
    await userSecret(e, ns, 'aws-source', { password: 'aws-push-Passw0rd', plain: 'aws-plain-text' });
    await push('to-aws', {
      secretStoreRefs: [{ name: 'aws' }],
      selector: { secret: { name: 'aws-source' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: `${prefix}/db`, property: 'password' } } }],
    });
    await ready('to-aws');
    const value = await sm.send(new GetSecretValueCommand({ SecretId: `${prefix}/db` }));
    assert.deepEqual(JSON.parse(value.SecretString ?? '{}'), { password: 'aws-push-Passw0rd' });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: `${prefix}/db` }));
    assert.deepEqual(described.Tags, [{ Key: 'managed-by', Value: 'lockstep' }]);

    await sm.send(new CreateSecretCommand({ Name: `${prefix}/theirs`, SecretString: 'aws-theirs' }));
    await push('aws-unowned', {
      secretStoreRefs: [{ name: 'aws' }],
      selector: { secret: { name: 'aws-source' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: `${prefix}/theirs` } } }],
    });
    assert.match((await ready('aws-unowned', 'False')).message ?? '', /not created by Lockstep/);
    assert.equal(
      (await sm.send(new GetSecretValueCommand({ SecretId: `${prefix}/theirs` }))).SecretString,
      'aws-theirs',
    );

    // A plain-text secret Lockstep created, then a property pushed into it: not JSON, refused.
    await push('aws-plain', {
      secretStoreRefs: [{ name: 'aws' }],
      selector: { secret: { name: 'aws-source' } },
      data: [{ match: { secretKey: 'plain', remoteRef: { remoteKey: `${prefix}/plain` } } }],
    });
    await ready('aws-plain');
    await push('aws-plain', {
      secretStoreRefs: [{ name: 'aws' }],
      selector: { secret: { name: 'aws-source' } },
      data: [{ match: { secretKey: 'plain', remoteRef: { remoteKey: `${prefix}/plain`, property: 'p' } } }],
    });
    assert.match(
      (await ready('aws-plain', 'False')).message ?? '',
      /is not a JSON object, so a property cannot be pushed into it/,
    );
  });

  test('Kubernetes provider: a key pushed into a Secret of the remote namespace, marked; an unowned Secret refused', async () => {
    e.rememberSecretValues('k8s-push-token', 'k8s-theirs');
    const remote = await e.namespace('push-remote');
    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'store-writer' } } });
    await grantSecretAccess(e.kc, remote, { namespace: ns, name: 'store-writer' }, [
      'get',
      'list',
      'create',
      'update',
      'delete',
    ]);
    await e.apply(
      secretStore(ns, 'remote-secrets', {
        kubernetes: { remoteNamespace: remote, auth: { serviceAccount: { name: 'store-writer' } } },
      }),
    );
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'remote-secrets' }, 'True');
    await userSecret(e, ns, 'k8s-source', { token: 'k8s-push-token' });
    await userSecret(e, remote, 'theirs', { token: 'k8s-theirs' });
    await push('to-k8s', {
      secretStoreRefs: [{ name: 'remote-secrets' }],
      selector: { secret: { name: 'k8s-source' } },
      data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'pushed', property: 'token' } } }],
    });
    await ready('to-k8s');
    const pushed = await e.core.readNamespacedSecret({ namespace: remote, name: 'pushed' });
    assert.equal(Buffer.from(pushed.data?.token ?? '', 'base64').toString(), 'k8s-push-token');
    assert.equal(pushed.metadata?.annotations?.['lockstep.dev/pushed-by'], 'lockstep');
    await push('to-k8s-unowned', {
      secretStoreRefs: [{ name: 'remote-secrets' }],
      selector: { secret: { name: 'k8s-source' } },
      data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'theirs', property: 'token' } } }],
    });
    assert.match((await ready('to-k8s-unowned', 'False')).message ?? '', /was not created by Lockstep/);
    const theirs = await e.core.readNamespacedSecret({ namespace: remote, name: 'theirs' });
    assert.equal(Buffer.from(theirs.data?.token ?? '', 'base64').toString(), 'k8s-theirs');
  });

  test('bad input: a missing store, a missing key, a Secret of another namespace are refused with a clear condition', async () => {
    await userSecret(e, ns, 'small', { present: 'x' });
    await push('no-store', {
      secretStoreRefs: [{ name: 'absent' }],
      selector: { secret: { name: 'small' } },
      data: [{ match: { secretKey: 'present', remoteRef: { remoteKey: 'x/y' } } }],
    });
    assert.match((await ready('no-store', 'False')).message ?? '', /SecretStore "absent" not found in namespace/);
    await push('no-key', {
      secretStoreRefs: [{ name: 'vault-secretstore' }],
      selector: { secret: { name: 'small' } },
      data: [{ match: { secretKey: 'absent', remoteRef: { remoteKey: 'x/y', property: 'p' } } }],
    });
    assert.match((await ready('no-key', 'False')).message ?? '', /key "absent" not found in Secret "small"/);
    // The selector names a Secret of this namespace only: one elsewhere with that name is not read.
    const other = await e.namespace('push-other');
    e.rememberSecretValues('other-ns-value');
    await userSecret(e, other, 'elsewhere', { v: 'other-ns-value' });
    await push('cross-ns', {
      secretStoreRefs: [{ name: 'vault-secretstore' }],
      selector: { secret: { name: 'elsewhere' } },
      data: [{ match: { secretKey: 'v', remoteRef: { remoteKey: 'x/cross', property: 'v' } } }],
    });
    assert.match((await ready('cross-ns', 'False')).message ?? '', /Secret "elsewhere" not found in namespace/);
    assert.equal(await kv2Data('x/cross'), undefined);
  });

  test('data[].metadata: KV v2 customMetadata merged (or replaced) beside the ownership mark; Kubernetes labels and annotations', async () => {
    e.rememberSecretValues('meta-value');
    await userSecret(e, ns, 'meta-source', { v: 'meta-value' });
    const envelope = (spec: object) => ({
      apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
      kind: 'PushSecretMetadata',
      spec,
    });
    await push('meta-vault', {
      secretStoreRefs: [{ name: 'vault-secretstore' }],
      selector: { secret: { name: 'meta-source' } },
      data: [
        {
          match: { secretKey: 'v', remoteRef: { remoteKey: 'meta/app', property: 'v' } },
          metadata: envelope({ customMetadata: { team: 'payments', env: 'prod' } }),
        },
      ],
    });
    await ready('meta-vault');
    const customOf = async () =>
      ((await bao.bao.read(`${kv2}/metadata/meta/app`)) as { data?: { custom_metadata?: unknown } }).data
        ?.custom_metadata;
    assert.deepEqual(await customOf(), { 'managed-by': 'lockstep', team: 'payments', env: 'prod' });
    // Merge keeps what others added remotely; Replace leaves only the entry's keys and the mark.
    await bao.bao.write(`${kv2}/metadata/meta/app`, {
      custom_metadata: { 'managed-by': 'lockstep', team: 'payments', env: 'prod', added: 'by-hand' },
    });
    const current = (await e.get(EXTERNAL, 'PushSecret', ns, 'meta-vault')) as { spec: { data: object[] } };
    await push('meta-vault', {
      ...current.spec,
      data: [
        {
          match: { secretKey: 'v', remoteRef: { remoteKey: 'meta/app', property: 'v' } },
          metadata: envelope({ customMetadata: { team: 'billing' }, mergePolicy: 'Replace' }),
        },
      ],
    });
    await waitFor('custom_metadata replaced', async () => {
      const custom = (await customOf()) as Record<string, string> | undefined;
      return custom?.team === 'billing' && custom.added === undefined && custom['managed-by'] === 'lockstep';
    });

    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'meta-writer' } } });
    const remote = await e.namespace('push-meta');
    await grantSecretAccess(e.kc, remote, { namespace: ns, name: 'meta-writer' }, ['get', 'list', 'create', 'update']);
    await e.apply(
      secretStore(ns, 'meta-k8s', {
        kubernetes: { remoteNamespace: remote, auth: { serviceAccount: { name: 'meta-writer' } } },
      }),
    );
    await push('meta-k8s', {
      secretStoreRefs: [{ name: 'meta-k8s' }],
      selector: { secret: { name: 'meta-source' } },
      data: [
        {
          match: { secretKey: 'v', remoteRef: { remoteKey: 'labelled', property: 'v' } },
          metadata: envelope({ labels: { app: 'billing' }, annotations: { note: 'pushed' } }),
        },
      ],
    });
    await ready('meta-k8s');
    const labelled = await e.core.readNamespacedSecret({ namespace: remote, name: 'labelled' });
    assert.equal(labelled.metadata?.labels?.app, 'billing');
    assert.equal(labelled.metadata?.annotations?.note, 'pushed');
    assert.equal(labelled.metadata?.annotations?.['lockstep.dev/pushed-by'], 'lockstep');
  });

  test('bad data[].metadata: unknown keys, another envelope, a reserved key, KV v1 or a store that takes none are refused before any push', async () => {
    await userSecret(e, ns, 'meta-bad-source', { v: 'x' });
    const rows: Array<{ name: string; store: string; metadata: object; message: RegExp }> = [
      {
        name: 'meta-unknown-key',
        store: 'vault-secretstore',
        metadata: {
          apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
          kind: 'PushSecretMetadata',
          spec: { customMetadata: { a: 'b' }, tags: { c: 'd' } },
        },
        message: /metadata.spec has unknown key\(s\) "tags": the vault provider takes "customMetadata", "mergePolicy"/,
      },
      {
        name: 'meta-no-envelope',
        store: 'vault-secretstore',
        metadata: { customMetadata: { a: 'b' } },
        message: /metadata has unknown field\(s\) "customMetadata": it must be a PushSecretMetadata/,
      },
      {
        name: 'meta-reserved',
        store: 'vault-secretstore',
        metadata: {
          apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
          kind: 'PushSecretMetadata',
          spec: { customMetadata: { 'managed-by': 'me' } },
        },
        message: /cannot set "managed-by"/,
      },
      {
        name: 'meta-kv1',
        store: 'vault-v1',
        metadata: { apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec: {} },
        message: /needs a KV v2 store/,
      },
      {
        // Secrets Manager tags and descriptions from metadata are not implemented yet: refused, never ignored.
        name: 'meta-aws',
        store: 'aws',
        metadata: {
          apiVersion: 'kubernetes.external-secrets.io/v1alpha1',
          kind: 'PushSecretMetadata',
          spec: { tags: { team: 'a' } },
        },
        message: /SecretStore "aws" uses a provider that takes no spec.data\[\].metadata: remove it/,
      },
    ];
    const awsData = async (key: string) =>
      (await sm.send(new GetSecretValueCommand({ SecretId: key })).catch(() => undefined))?.SecretString;
    for (const row of rows) {
      await push(row.name, {
        secretStoreRefs: [{ name: row.store }],
        selector: { secret: { name: 'meta-bad-source' } },
        data: [
          // A good entry first: nothing is pushed while another entry's metadata is wrong.
          { match: { secretKey: 'v', remoteRef: { remoteKey: `${prefix}/bad/${row.name}-first`, property: 'v' } } },
          {
            match: { secretKey: 'v', remoteRef: { remoteKey: `${prefix}/bad/${row.name}`, property: 'v' } },
            metadata: row.metadata,
          },
        ],
      });
      assert.match((await ready(row.name, 'False')).message ?? '', row.message, row.name);
      const read = row.store === 'vault-v1' ? kv1Data : row.store === 'aws' ? awsData : kv2Data;
      assert.equal(await read(`${prefix}/bad/${row.name}-first`), undefined, `${row.name}: nothing pushed`);
    }
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
