import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BackendError,
  type Provider,
  type ProviderContext,
  ProviderRegistry,
  type SecretsClient,
} from '@lockstep/core';
import { baoPeer, enableAuth, mountKv, rootClient, uniqueName, writePolicy } from '../client/testing/bao-test-peer.ts';
import {
  createNamespace,
  createSecret,
  createServiceAccount,
  enableKubernetesAuth,
  kubePeer,
} from '../client/testing/kube-test-peer.ts';
import { type PrivateBao, startPrivateBao } from '../client/testing/private-bao.ts';
import { VaultClient } from '../client/vault-client.ts';
import { VaultVersionGoneError } from '../client/vault-error.ts';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from './kv-client.ts';
import { registerVaultIntoPipeline, type VaultPipelineHandle } from './register.ts';
import type { VaultProviderSpec } from './vault-provider-spec.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function isClass(errorClass: string) {
  return (err: unknown) => err instanceof BackendError && err.errorClass === errorClass;
}

// Without the sandbox peers this fails (it never skips); the suite below fails with it.
it('runs against the sandbox peers (OpenBao, API server)', () => {
  baoPeer();
  kubePeer();
});

describe('vault provider against OpenBao', () => {
  const { client: bao, root, peer } = rootClient();
  const kube = kubePeer();
  let ns: string;
  let kv2: string;
  let kv1: string;
  let denied: string;
  let approle: string;
  let pipeline: VaultPipelineHandle;
  let provider: Provider<VaultProviderSpec>;
  const clients: SecretsClient[] = [];

  const ctx = (): ProviderContext => ({
    store: { kind: 'SecretStore', name: 'vault', namespace: ns },
    namespace: ns,
    kube: kube.kube,
  });

  /** An appRole store spec whose secret ID logs in exactly once. */
  async function appRoleSpec(mount: string, version: 'v1' | 'v2'): Promise<VaultProviderSpec> {
    const role = uniqueName('role');
    const policy = await writePolicy(
      bao,
      root,
      [kv1, kv2]
        .map((m) => `path "${m}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`)
        .join('\n'),
    );
    await bao.write(`auth/${approle}/role/${role}`, { token_policies: [policy], token_ttl: '10m' }, { token: root });
    const roleId = (await bao.read<{ role_id: string }>(`auth/${approle}/role/${role}/role-id`, { token: root })).data
      ?.role_id as string;
    const secretId = (
      await bao.write<{ secret_id: string }>(`auth/${approle}/role/${role}/secret-id`, { num_uses: 1 }, { token: root })
    ).data?.secret_id as string;
    const secret = uniqueName('approle');
    await createSecret(kube, ns, secret, { secretId });
    return {
      server: peer.addr,
      path: mount,
      version,
      auth: { appRole: { path: approle, roleId, secretRef: { name: secret, key: 'secretId' } } },
    };
  }

  async function open(spec: VaultProviderSpec): Promise<SecretsClient> {
    assert.deepEqual(provider.validateSpec(spec, ctx().store), []);
    const c = await provider.newClient(spec, ctx());
    clients.push(c);
    return c;
  }

  before(async () => {
    ns = await createNamespace(kube, 'vault-provider');
    kv2 = await mountKv(bao, root, 2);
    kv1 = await mountKv(bao, root, 1);
    denied = await mountKv(bao, root, 2, 'denied');
    approle = await enableAuth(bao, root, 'approle');
    const registry = new ProviderRegistry();
    pipeline = registerVaultIntoPipeline(registry);
    provider = registry.provider('vault') as Provider<VaultProviderSpec>;
    assert.deepEqual(registry.providerNames(), ['vault']);

    const put = (path: string, data: Record<string, unknown>) =>
      bao.write(`${kv2}/data/${path}`, { data }, { token: root });
    await put('app/db', { username: 'app', password: 'v1-pass' });
    await put('app/db', {
      username: 'app',
      password: 'v2-pass',
      nested: { host: 'db.internal', port: 5432 },
      flag: true,
    });
    await put("team a/it's #1", { token: 'odd-name' });
    await put('app/api', { key: 'api-key' });
    await put('other/thing', { x: 'y' });
    await put('gone', { x: 'soon deleted' });
    await bao.delete(`${kv2}/data/gone`, { token: root });
    await bao.write(`${kv2}/metadata/app/api`, { custom_metadata: { team: 'payments', env: 'prod' } }, { token: root });
    await bao.write(
      `${kv2}/metadata/other/thing`,
      { custom_metadata: { team: 'payments', env: 'dev' } },
      { token: root },
    );
    await bao.write(`${kv1}/app/db`, { username: 'v1user', password: 'kv1-pass' }, { token: root });
    await bao.write(`${denied}/data/x`, { data: { a: 'b' } }, { token: root });
  });

  after(async () => {
    for (const c of clients) await c.close();
    pipeline.stop();
    bao.close();
  });

  it('reads KV v2: the whole secret as JSON, a property, a nested property, a pinned version', async () => {
    const c = await open(await appRoleSpec(kv2, 'v2'));
    const whole = JSON.parse(text(await c.getSecret({ key: 'app/db' })));
    assert.equal(whole.password, 'v2-pass');
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password' })), 'v2-pass');
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'nested.port' })), '5432');
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'nested' })), '{"host":"db.internal","port":5432}');
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password', version: '1' })), 'v1-pass');
    // ESO accepts keys that repeat the mount and the data/ segment.
    assert.equal(text(await c.getSecret({ key: `${kv2}/data/app/db`, property: 'username' })), 'app');
    assert.equal(text(await c.getSecret({ key: "team a/it's #1", property: 'token' })), 'odd-name');
    assert.deepEqual(JSON.parse(text(await c.getSecret({ key: 'app/api', metadataPolicy: 'Fetch' }))), {
      team: 'payments',
      env: 'prod',
    });
  });

  it('tells a deleted secret from a missing one, and a missing property from both', async () => {
    const c = await open(await appRoleSpec(kv2, 'v2'));
    await assert.rejects(c.getSecret({ key: 'gone' }), (err: unknown) => err instanceof VaultVersionGoneError);
    await assert.rejects(
      c.getSecret({ key: 'never-written' }),
      (err: unknown) => isClass('NotFound')(err) && !(err instanceof VaultVersionGoneError),
    );
    await assert.rejects(
      c.getSecret({ key: 'app/db', property: 'nope' }),
      (err: unknown) => isClass('NotFound')(err) && /property "nope" not found/.test((err as Error).message),
    );
    await assert.rejects(c.getSecret({ key: 'app/db', version: 'latest' }), isClass('InvalidInput'));
  });

  it('classifies a mount outside the policy as Forbidden', async () => {
    const c = await open({ ...(await appRoleSpec(kv2, 'v2')), path: denied });
    await assert.rejects(c.getSecret({ key: 'x' }), isClass('Forbidden'));
  });

  it('reads KV v1 and refuses a version pin there', async () => {
    const c = await open(await appRoleSpec(kv1, 'v1'));
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password' })), 'kv1-pass');
    assert.deepEqual(Object.keys(await c.getSecretMap({ key: 'app/db' })).sort(), ['password', 'username']);
    await assert.rejects(c.getSecret({ key: 'app/db', version: '1' }), isClass('InvalidInput'));
  });

  it('extracts a secret as a map, non-string values as JSON', async () => {
    const c = await open(await appRoleSpec(kv2, 'v2'));
    const map = await c.getSecretMap({ key: 'app/db' });
    assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)])), {
      username: 'app',
      password: 'v2-pass',
      nested: '{"host":"db.internal","port":5432}',
      flag: 'true',
    });
    const nested = await c.getSecretMap({ key: 'app/db', property: 'nested' });
    assert.deepEqual(Object.keys(nested).sort(), ['host', 'port']);
  });

  it('finds secrets by path (recursive), name regexp and tags', async () => {
    const c = await open(await appRoleSpec(kv2, 'v2'));
    const underApp = await c.getAllSecrets({ path: 'app' });
    assert.deepEqual(Object.keys(underApp).sort(), ['app/api', 'app/db']);
    assert.equal(JSON.parse(text(underApp['app/db'] as Uint8Array)).password, 'v2-pass');

    const everything = await c.getAllSecrets({ name: { regexp: '.*' } });
    // The deleted secret is listed by Vault but left out.
    assert.deepEqual(Object.keys(everything).sort(), ['app/api', 'app/db', 'other/thing', "team a/it's #1"]);

    assert.deepEqual(Object.keys(await c.getAllSecrets({ name: { regexp: '^app/d' } })), ['app/db']);
    assert.deepEqual(Object.keys(await c.getAllSecrets({ tags: { team: 'payments' } })).sort(), [
      'app/api',
      'other/thing',
    ]);
    assert.deepEqual(Object.keys(await c.getAllSecrets({ tags: { team: 'payments', env: 'dev' } })), ['other/thing']);
    await assert.rejects(c.getAllSecrets({ name: { regexp: '(' } }), isClass('InvalidInput'));
  });

  it('pushes and deletes KV v2 secrets it manages, and leaves others alone', async () => {
    const c = await open(await appRoleSpec(kv2, 'v2'));
    assert.ok(c.pushSecret && c.deleteSecret);
    await c.pushSecret(Buffer.from('p1'), { remoteKey: 'pushed/one', property: 'password' });
    await c.pushSecret(Buffer.from('u1'), { remoteKey: 'pushed/one', property: 'user' });
    const meta = await bao.read<{ custom_metadata: Record<string, string>; current_version: number }>(
      `${kv2}/metadata/pushed/one`,
      { token: root },
    );
    assert.equal(meta.data?.custom_metadata[MANAGED_BY_KEY], MANAGED_BY_VALUE);
    assert.equal(meta.data?.current_version, 2);
    assert.deepEqual(JSON.parse(text(await c.getSecret({ key: 'pushed/one' }))), { password: 'p1', user: 'u1' });

    // An unchanged value writes no new version.
    await c.pushSecret(Buffer.from('u1'), { remoteKey: 'pushed/one', property: 'user' });
    const again = await bao.read<{ current_version: number }>(`${kv2}/metadata/pushed/one`, { token: root });
    assert.equal(again.data?.current_version, 2);

    await c.deleteSecret({ remoteKey: 'pushed/one', property: 'user' });
    assert.deepEqual(JSON.parse(text(await c.getSecret({ key: 'pushed/one' }))), { password: 'p1' });
    await c.deleteSecret({ remoteKey: 'pushed/one', property: 'password' });
    await assert.rejects(c.getSecret({ key: 'pushed/one' }), isClass('NotFound'));

    await assert.rejects(
      c.pushSecret(Buffer.from('x'), { remoteKey: 'app/db', property: 'password' }),
      isClass('InvalidInput'),
    );
    await c.deleteSecret({ remoteKey: 'app/db' });
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password' })), 'v2-pass');
  });

  it('logs in once per store configuration, however many reads and clients', async () => {
    // The secret ID works once: a second login for this store would fail.
    const spec = await appRoleSpec(kv2, 'v2');
    assert.equal(provider.clientKey(spec, ctx()), provider.clientKey(structuredClone(spec), ctx()));
    const first = await open(spec);
    const second = await open(structuredClone(spec));
    const reads = await Promise.all(
      Array.from({ length: 25 }, (_, i) => (i % 2 ? first : second).getSecret({ key: 'app/db', property: 'username' })),
    );
    assert.ok(reads.every((r) => text(r) === 'app'));
    assert.deepEqual(await first.validate(), { ok: true });

    // Another namespace is another configuration.
    const elsewhere = { ...ctx(), namespace: 'someone-else' };
    assert.notEqual(provider.clientKey(spec, ctx()), provider.clientKey(spec, elsewhere));
  });

  it('shares one ClusterSecretStore client across namespaces unless a reference resolves in the namespace', () => {
    const cluster = (namespace: string): ProviderContext => ({
      store: { kind: 'ClusterSecretStore', name: 'vault' },
      namespace,
      kube: kube.kube,
    });
    const pinned: VaultProviderSpec = {
      server: 'https://vault.example',
      path: 'secret',
      version: 'v2',
      auth: { tokenSecretRef: { name: 'token', key: 'token', namespace: 'ops' } },
    };
    assert.equal(provider.clientKey(pinned, cluster('a')), provider.clientKey(pinned, cluster('b')));
    const perNamespace: VaultProviderSpec = {
      ...pinned,
      auth: { kubernetes: { mountPath: 'kubernetes', role: 'app', serviceAccountRef: { name: 'reader' } } },
    };
    assert.notEqual(provider.clientKey(perNamespace, cluster('a')), provider.clientKey(perNamespace, cluster('b')));
  });

  it('serves an ESO store with kubernetes auth through the service account of its namespace', async () => {
    const mount = await enableKubernetesAuth(kube, bao, root, ns);
    await createServiceAccount(kube, ns, 'reader');
    const policy = await writePolicy(bao, root, `path "${kv2}/data/app/*" { capabilities = ["read"] }`);
    await bao.write(
      `auth/${mount}/role/reader`,
      {
        bound_service_account_names: ['reader'],
        bound_service_account_namespaces: [ns],
        token_policies: [policy],
        token_ttl: '10m',
      },
      { token: root },
    );
    const c = await open({
      server: peer.addr,
      path: kv2,
      version: 'v2',
      auth: { kubernetes: { mountPath: mount, role: 'reader', serviceAccountRef: { name: 'reader' } } },
    });
    assert.equal(text(await c.getSecret({ key: 'app/db', property: 'password' })), 'v2-pass');
    await assert.rejects(c.getSecret({ key: 'other/thing' }), isClass('Forbidden'));
  });

  it('refuses to build a client for an invalid spec, saying what to fix', async () => {
    await assert.rejects(
      provider.newClient({ server: peer.addr, version: 'v2', auth: { vaultAuthRef: { name: 'x' } } }, ctx()),
      (err: unknown) =>
        isClass('InvalidInput')(err) && /vaultAuthRef is not supported yet/.test((err as Error).message),
    );
  });
});

describe('vault provider over TLS, trusting a caProvider', () => {
  const kube = kubePeer();
  let tls: PrivateBao;
  let ns: string;
  let other: string;
  let pipeline: VaultPipelineHandle;
  let provider: Provider<VaultProviderSpec>;
  const clients: SecretsClient[] = [];

  const ctx = (namespace = ns): ProviderContext => ({
    store: { kind: 'SecretStore', name: 'vault-tls', namespace },
    namespace,
    kube: kube.kube,
  });
  const spec = (caProvider: NonNullable<VaultProviderSpec['caProvider']>): VaultProviderSpec => ({
    server: tls.addr,
    path: 'secret',
    version: 'v2',
    caProvider,
    auth: { tokenSecretRef: { name: 'bao-token', key: 'token' } },
  });
  async function configMap(namespace: string, name: string, data: Record<string, string>) {
    await kube.core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data } });
  }
  async function readThrough(s: VaultProviderSpec, c: ProviderContext) {
    const client = await provider.newClient(s, c);
    clients.push(client);
    return text(await client.getSecret({ key: 'tls/app', property: 'password' }));
  }
  function invalidInput(message: RegExp) {
    return (err: unknown) => {
      assert.ok(isClass('InvalidInput')(err), `expected InvalidInput, got ${String(err)}`);
      assert.match((err as Error).message, message);
      return true;
    };
  }

  before(async () => {
    tls = await startPrivateBao();
    ns = await createNamespace(kube, 'vault-tls');
    other = await createNamespace(kube, 'vault-tls-ca');
    const root = new VaultClient({ address: tls.addr, caCertPem: tls.caPem });
    await root.write('secret/data/tls/app', { data: { password: 'over-tls' } }, { token: tls.rootToken });
    root.close();
    for (const namespace of [ns, other]) await createSecret(kube, namespace, 'bao-token', { token: tls.rootToken });
    await configMap(ns, 'bao-ca', { 'ca.crt': tls.caPem, 'not-pem': 'hello' });
    await configMap(ns, 'wrong-ca', { 'ca.crt': kube.caPem });
    await configMap(other, 'shared-ca', { 'ca.crt': tls.caPem });
    await createSecret(kube, ns, 'bao-ca-secret', { 'ca.crt': tls.caPem });
    const registry = new ProviderRegistry();
    pipeline = registerVaultIntoPipeline(registry);
    provider = registry.provider('vault') as Provider<VaultProviderSpec>;
  });

  after(async () => {
    for (const c of clients) await c.close();
    pipeline?.stop();
    await tls?.stop();
  });

  it('trusts the CA held in a ConfigMap, as in a Secret', async () => {
    const fromConfigMap = spec({ type: 'ConfigMap', name: 'bao-ca', key: 'ca.crt' });
    assert.deepEqual(provider.validateSpec(fromConfigMap, ctx().store), []);
    assert.equal(await readThrough(fromConfigMap, ctx()), 'over-tls');
    assert.equal(await readThrough(spec({ type: 'Secret', name: 'bao-ca-secret', key: 'ca.crt' }), ctx()), 'over-tls');
  });

  it("a ClusterSecretStore reads the caProvider's namespace", async () => {
    const store = { kind: 'ClusterSecretStore' as const, name: 'vault-tls' };
    const s = spec({ type: 'ConfigMap', name: 'shared-ca', key: 'ca.crt', namespace: other });
    assert.deepEqual(provider.validateSpec(s, store), []);
    assert.equal(await readThrough(s, { store, namespace: ns, kube: kube.kube }), 'over-tls');
  });

  it("a CA that is not the server's fails the TLS handshake as bad configuration", async () => {
    await assert.rejects(
      readThrough(spec({ type: 'ConfigMap', name: 'wrong-ca', key: 'ca.crt' }), ctx()),
      invalidInput(/TLS certificate|CA bundle/),
    );
  });

  it('a missing ConfigMap, key or PEM is bad configuration that names what to fix', async () => {
    await assert.rejects(
      readThrough(spec({ type: 'ConfigMap', name: 'absent', key: 'ca.crt' }), ctx()),
      invalidInput(
        new RegExp(`ConfigMap "absent" not found in namespace "${ns}": spec.provider.vault.caProvider needs it`),
      ),
    );
    await assert.rejects(
      readThrough(spec({ type: 'ConfigMap', name: 'bao-ca', key: 'tls.crt' }), ctx()),
      invalidInput(/key "tls.crt" not found in ConfigMap "bao-ca".*spec.provider.vault.caProvider needs it/),
    );
    await assert.rejects(
      readThrough(spec({ type: 'ConfigMap', name: 'bao-ca', key: 'not-pem' }), ctx()),
      invalidInput(/key "not-pem" of ConfigMap "bao-ca" .* holds no PEM certificate/),
    );
  });

  it('a SecretStore cannot name another namespace, and key is required', () => {
    assert.deepEqual(
      provider.validateSpec(spec({ type: 'ConfigMap', name: 'shared-ca', namespace: other }), ctx().store),
      [
        'spec.provider.vault.caProvider.key is required: the ConfigMap key holding the CA PEM',
        `spec.provider.vault.caProvider.namespace must be empty or "${ns}": a SecretStore cannot read other namespaces`,
      ],
    );
  });
});
