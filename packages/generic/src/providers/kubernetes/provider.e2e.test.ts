// The kubernetes provider against the real control plane: a store in one namespace reads
// Secrets of another, logging in with a TokenRequest token or a bearer token from a Secret.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { BackendError, createKubeAccess, type ProviderContext, type SecretsClient } from '@lockstep/core';
import { AuditLog, grantSecretAccess, kubeConfigFromEnv } from '@lockstep/sandbox';
import type { KubernetesProvider as KubernetesProviderSpec } from '../../api/provider-kubernetes.ts';
import type { CallResult } from '../call-observer.ts';
import { createKubernetesProvider, kubernetesClientKey, validateKubernetesSpec } from './provider.ts';

const admin = kubeConfigFromEnv();
const core = admin.makeApiClient(CoreV1Api);
const suffix = randomUUID().slice(0, 8);
const storeNs = `k8s-store-${suffix}`;
const remoteNs = `k8s-remote-${suffix}`;
const ctx: ProviderContext = {
  store: { kind: 'SecretStore', name: 'remote', namespace: storeNs },
  namespace: storeNs,
  kube: createKubeAccess(admin),
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const caBundle = admin.getCurrentCluster()?.caData ?? '';
const server = { url: admin.getCurrentCluster()?.server ?? '', caBundle };

const serviceAccountStore: KubernetesProviderSpec = {
  remoteNamespace: remoteNs,
  server,
  auth: { serviceAccount: { name: 'reader' } },
};
const tokenStore: KubernetesProviderSpec = {
  remoteNamespace: remoteNs,
  server,
  auth: { token: { bearerToken: { name: 'reader-token', key: 'token' } } },
};

const clients: SecretsClient[] = [];
const calls: { operation: string; result: CallResult }[] = [];
const provider = createKubernetesProvider({
  localKubeConfig: admin,
  onCall: (operation, result) => calls.push({ operation, result }),
});
async function open(spec: KubernetesProviderSpec) {
  const client = await provider.newClient(spec, ctx);
  clients.push(client);
  return client;
}

/** Resource requests from kube-apiserver's audit log (who did what, as the authenticated user). */
function auditedRequests() {
  const path = process.env.LOCKSTEP_AUDIT_LOG;
  assert.ok(path, 'LOCKSTEP_AUDIT_LOG (set by the global setup)');
  return new AuditLog(path).requests();
}

async function secret(namespace: string, name: string, data: Record<string, string>, labels?: Record<string, string>) {
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name, ...(labels ? { labels } : {}) },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    },
  });
}

before(async () => {
  for (const name of [storeNs, remoteNs]) await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedServiceAccount({ namespace: storeNs, body: { metadata: { name: 'reader' } } });
  // What ESO's docs ask of the store's service account; push needs the writes too.
  await grantSecretAccess(admin, remoteNs, { namespace: storeNs, name: 'reader' }, [
    'get',
    'list',
    'watch',
    'create',
    'update',
    'patch',
    'delete',
  ]);
  const { token } = await ctx.kube.requestServiceAccountToken({
    namespace: storeNs,
    serviceAccountName: 'reader',
    audiences: [],
    expirationSeconds: 3600,
  });
  await secret(storeNs, 'reader-token', { token: `${token}\n` });
  await secret(remoteNs, 'db', { user: 'app', password: 's3cr3t' });
  await secret(remoteNs, 'config', { 'settings.json': JSON.stringify({ host: 'pg', port: 5432 }) });
  await secret(remoteNs, 'team-a-api', { key: 'a' }, { team: 'a' });
  await secret(remoteNs, 'team-a-web', { key: 'w' }, { team: 'a', tier: 'web' });
  await secret(remoteNs, 'team-b-api', { key: 'b' }, { team: 'b' });
});

after(async () => {
  for (const client of clients) await client.close();
  for (const name of [storeNs, remoteNs]) await core.deleteNamespace({ name }).catch(() => {});
});

for (const [auth, spec] of [
  ['a serviceAccount TokenRequest token', serviceAccountStore],
  ['a bearer token from a Secret', tokenStore],
] as const) {
  describe(`kubernetes provider with ${auth}`, () => {
    test('reads one key of a Secret of the remote namespace', async () => {
      const client = await open(spec);
      assert.equal(text(await client.getSecret({ key: 'db', property: 'password' })), 's3cr3t');
    });

    test('reads a whole Secret as a JSON object, as ESO does', async () => {
      const client = await open(spec);
      assert.deepEqual(JSON.parse(text(await client.getSecret({ key: 'db' }))), { user: 'app', password: 's3cr3t' });
    });

    test('extracts a Secret, or the JSON object held in one of its keys', async () => {
      const client = await open(spec);
      const map = await client.getSecretMap({ key: 'db' });
      assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)])), {
        user: 'app',
        password: 's3cr3t',
      });
      const nested = await client.getSecretMap({ key: 'config', property: 'settings.json' });
      assert.deepEqual(Object.fromEntries(Object.entries(nested).map(([k, v]) => [k, text(v)])), {
        host: 'pg',
        port: '5432',
      });
    });

    test('validate() answers ok', async () => {
      assert.deepEqual(await (await open(spec)).validate(), { ok: true });
    });
  });
}

describe('kubernetes provider semantics', () => {
  test('a missing Secret is NotFound and a missing key is InvalidInput', async () => {
    const client = await open(serviceAccountStore);
    await assert.rejects(client.getSecret({ key: 'nope' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'NotFound');
      assert.equal(err.message, `Secret "nope" not found in namespace "${remoteNs}"`);
      return true;
    });
    await assert.rejects(client.getSecret({ key: 'db', property: 'nope' }), { errorClass: 'InvalidInput' });
  });

  test('finds Secrets by name regexp and by labels', async () => {
    const client = await open(serviceAccountStore);
    const byName = await client.getAllSecrets({ name: { regexp: '^team-a-' } });
    assert.deepEqual(Object.keys(byName).sort(), ['team-a-api', 'team-a-web']);
    assert.deepEqual(JSON.parse(text(byName['team-a-web'] as Uint8Array)), { key: 'w' });
    const byLabel = await client.getAllSecrets({ tags: { team: 'a', tier: 'web' } });
    assert.deepEqual(Object.keys(byLabel), ['team-a-web']);
  });

  test('pushes a key into a remote Secret and deletes it again', async () => {
    const client = await open(tokenStore);
    await client.pushSecret?.(Buffer.from('v1'), { remoteKey: 'pushed', property: 'a' });
    await client.pushSecret?.(Buffer.from('v2'), { remoteKey: 'pushed', property: 'b' });
    const remote = await core.readNamespacedSecret({ name: 'pushed', namespace: remoteNs });
    assert.deepEqual(remote.data, { a: b64('v1'), b: b64('v2') });
    await client.deleteSecret?.({ remoteKey: 'pushed', property: 'a' });
    assert.deepEqual((await core.readNamespacedSecret({ name: 'pushed', namespace: remoteNs })).data, { b: b64('v2') });
    await client.deleteSecret?.({ remoteKey: 'pushed', property: 'b' });
    await assert.rejects(client.getSecret({ key: 'pushed' }), { errorClass: 'NotFound' });
    await assert.rejects(client.pushSecret?.(Buffer.from('x'), { remoteKey: 'pushed' }) as Promise<void>, {
      errorClass: 'InvalidInput',
    });
  });

  test("reads the remote namespace as the store's service account, not as the controller", async () => {
    const client = await open(serviceAccountStore);
    await client.getSecret({ key: 'db', property: 'user' });
    const reads = auditedRequests().filter(
      (r) => r.resource === 'secrets' && r.namespace === remoteNs && r.name === 'db' && r.verb === 'get',
    );
    assert.ok(reads.length > 0);
    // The bearer-token store logs in with the same service account's token, so every read is its.
    assert.deepEqual([...new Set(reads.map((r) => r.user))], [`system:serviceaccount:${storeNs}:reader`]);
  });

  test('a missing credential Secret fails the client as bad configuration, never as a missing remote key', async () => {
    const spec: KubernetesProviderSpec = {
      ...tokenStore,
      auth: { token: { bearerToken: { name: 'absent', key: 'token' } } },
    };
    // NotFound would read as "remote secret gone" and let deletionPolicy Delete remove the Secret.
    await assert.rejects(provider.newClient(spec, ctx), { errorClass: 'InvalidInput' });
  });

  test('trusts the API server through a caProvider ConfigMap (key defaults to ca.crt), and names a missing one', async () => {
    const caPem = Buffer.from(caBundle, 'base64').toString('utf8');
    await core.createNamespacedConfigMap({
      namespace: storeNs,
      body: { metadata: { name: 'kube-root-ca' }, data: { 'ca.crt': caPem } },
    });
    const viaConfigMap = (caProvider: NonNullable<KubernetesProviderSpec['server']>['caProvider']) => ({
      ...serviceAccountStore,
      server: { url: server.url, ...(caProvider ? { caProvider } : {}) },
    });
    const trusted = viaConfigMap({ type: 'ConfigMap', name: 'kube-root-ca' });
    assert.deepEqual(validateKubernetesSpec(trusted, ctx.store), []);
    const client = await open(trusted);
    assert.equal(text(await client.getSecret({ key: 'db', property: 'user' })), 'app');
    await assert.rejects(provider.newClient(viaConfigMap({ type: 'ConfigMap', name: 'absent' }), ctx), {
      errorClass: 'InvalidInput',
      message: new RegExp(
        `ConfigMap "absent" not found in namespace "${storeNs}": spec.provider.kubernetes.server.caProvider needs it`,
      ),
    });
  });

  test('reports every API call', () => {
    assert.ok(calls.some((c) => c.operation === 'GetSecret' && c.result === 'success'));
    assert.ok(calls.some((c) => c.operation === 'GetSecret' && c.result === 'NotFound'));
  });
});

describe('kubernetes store spec', () => {
  const store = { kind: 'SecretStore' as const, name: 's', namespace: storeNs };

  test('accepts the stores above and says what to fix in bad ones', () => {
    assert.deepEqual(validateKubernetesSpec(serviceAccountStore, store), []);
    assert.deepEqual(validateKubernetesSpec(tokenStore, store), []);
    assert.deepEqual(
      validateKubernetesSpec(
        {
          remoteNamespace: 'Not_A_Namespace',
          server: { url: 'http://example.test' },
          auth: { serviceAccount: { name: 'sa', namespace: 'elsewhere' } },
        },
        store,
      ),
      [
        'spec.provider.kubernetes.remoteNamespace "Not_A_Namespace" is not a valid namespace name',
        'spec.provider.kubernetes.server.url must be an https:// URL',
        'spec.provider.kubernetes.server needs caBundle or caProvider to trust http://example.test',
        `spec.provider.kubernetes.auth.serviceAccount.namespace must be empty or "${storeNs}": a SecretStore cannot read other namespaces`,
      ],
    );
    assert.deepEqual(validateKubernetesSpec({ remoteNamespace: 'x' }, store), [
      'spec.provider.kubernetes.auth must set exactly one of serviceAccount, token and cert',
    ]);
  });

  test('client keys follow the spec and the credential namespace', () => {
    assert.equal(kubernetesClientKey(serviceAccountStore, ctx), kubernetesClientKey({ ...serviceAccountStore }, ctx));
    assert.notEqual(kubernetesClientKey(serviceAccountStore, ctx), kubernetesClientKey(tokenStore, ctx));
    assert.notEqual(
      kubernetesClientKey(serviceAccountStore, ctx),
      kubernetesClientKey(serviceAccountStore, { ...ctx, namespace: 'other' }),
    );
  });
});
