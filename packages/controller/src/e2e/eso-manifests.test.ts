// Manifests from ESO's documentation (examples/migration/eso, only apiVersion changed from
// ESO's) applied to the real binary and working end to end against the sandbox's peers.
// Field names and structure stay ESO's; only values that name the docs authors'
// infrastructure (server URLs, mounts, role IDs, regions, remote keys) are pointed at the
// sandbox, as anyone migrating does.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requirePeerEnv } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { inNamespace, manifests, only } from '../testing/eso-docs.ts';
import { EXTERNAL, externalSecret, GENERATORS, type Obj } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { waitFor } from '../testing/wait-for.ts';

describe("ESO's documented manifests", () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let sm: SecretsManagerClient;
  let kv: string;
  let awsPrefix: string;
  let region: string;
  const used = new Set<string>();
  const putAws = async (name: string, value: string, region_: string) => {
    e.rememberSecretValues(value);
    const client = region_ === region ? sm : new SecretsManagerClient({ region: region_ });
    try {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceExistsException') throw err;
      await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  };

  before(async () => {
    const env = requirePeerEnv('moto', 'openbao');
    region = env.AWS_REGION as string;
    sm = new SecretsManagerClient({ region });
    e = await startE2e({ file: 'eso' });
    bao = await openBaoForE2e(e);
    kv = await bao.kvMount('secret', 2);
    awsPrefix = e.unique('eso');
  });
  after(async () => {
    await e?.stop();
    await bao?.stop();
    sm?.destroy();
    // Every example file of the migration folder that a test below used; at least 10 of them.
    assert.ok(used.size >= 10, `only ${used.size} ESO manifests exercised: ${[...used].join(', ')}`);
  });
  const use = (file: string) => {
    used.add(file);
    return manifests(file);
  };

  test('fake-secretstore.yaml: the fake ClusterSecretStore serves versions and JSON properties', async () => {
    const [store] = use('fake-secretstore.yaml');
    await e.apply(store as Obj);
    const ns = await e.namespace('fake');
    await e.apply(
      externalSecret(ns, 'example', {
        refreshInterval: '1h',
        secretStoreRef: { name: 'fake', kind: 'ClusterSecretStore' },
        target: { name: 'secret-to-be-created' },
        data: [
          { secretKey: 'foo_bar', remoteRef: { key: '/foo/bar', version: 'v1' } },
          { secretKey: 'john', remoteRef: { key: '/foo/baz', property: 'john', version: 'v1' } },
        ],
      }),
    );
    assert.deepEqual(await waitFor('the Secret', () => e.secret(ns, 'secret-to-be-created')), {
      foo_bar: 'HELLO1',
      john: 'doe',
    });
  });

  test('fake-generator.yaml and password-generator.yaml: generators feed ExternalSecrets', async () => {
    const ns = await e.namespace('generators');
    const [fakeGen] = use('fake-generator.yaml');
    await e.apply(inNamespace(fakeGen as Obj, ns));
    await e.apply(
      externalSecret(ns, 'fake', {
        refreshInterval: '1h',
        target: { name: 'fake-secret' },
        dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind: 'Fake', name: 'fake' } } }],
      }),
    );
    assert.deepEqual(await waitFor('the Fake Secret', () => e.secret(ns, 'fake-secret')), { foo: 'bar', baz: 'bang' });

    for (const doc of use('password-generator.yaml')) await e.apply(inNamespace(doc, ns));
    const data = await waitFor('the password Secret', () => e.secret(ns, 'password-secret'));
    const password = data.password ?? '';
    assert.equal(password.length, 42);
    assert.equal(password.replace(/[^0-9]/g, '').length, 5);
    assert.equal(password.replace(/[^-_$@]/g, '').length, 5);
  });

  test('vault-secretstore-token.yaml with externalsecret-basic.yaml style data', async () => {
    const ns = await e.namespace('vault-token');
    const token = await bao.token(`path "${kv}/*" { capabilities = ["read", "list"] }`);
    e.rememberSecretValues(token);
    await userSecret(e, ns, 'vault-token', { token });
    const store = only('vault-secretstore-token.yaml');
    store.spec.provider.vault.server = bao.addr;
    store.spec.provider.vault.path = kv;
    await e.apply(inNamespace(store, ns));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'vault-backend' }, 'True');
    e.rememberSecretValues('eso-doc-value-1');
    await bao.writeKv(kv, 2, 'provider-key', { 'provider-key-property': 'eso-doc-value-1' });

    const es = only('externalsecret-basic.yaml');
    used.add('externalsecret-basic.yaml');
    es.spec.secretStoreRef.name = 'vault-backend';
    es.spec.data[0].remoteRef.version = '1';
    await e.apply(inNamespace(es, ns));
    assert.deepEqual(await waitFor('the Secret', () => e.secret(ns, 'secret-to-be-created')), {
      'secret-key-to-be-managed': 'eso-doc-value-1',
    });
  });

  test('vault-clustersecretstore-approle.yaml with externalsecret-datafrom.yaml (extract, find, tags, rewrite)', async () => {
    const approle = e.unique('approle');
    await bao.bao.write(`sys/auth/${approle}`, { type: 'approle' });
    const policy = e.unique('policy');
    await bao.bao.write(`sys/policies/acl/${policy}`, { policy: `path "${kv}/*" { capabilities = ["read", "list"] }` });
    await bao.bao.write(`auth/${approle}/role/eso`, { token_policies: [policy], token_ttl: '1h' });
    const roleId = String((await bao.bao.read(`auth/${approle}/role/eso/role-id`)).data?.role_id);
    const secretId = String((await bao.bao.write(`auth/${approle}/role/eso/secret-id`, {})).data?.secret_id);
    e.rememberSecretValues(secretId);
    await e.core.createNamespace({ body: { metadata: { name: 'secret-admin' } } });
    await userSecret(e, 'secret-admin', 'my-secret', { 'secret-id': secretId });
    const store = only('vault-clustersecretstore-approle.yaml');
    used.add('vault-clustersecretstore-approle.yaml');
    store.spec.provider.vault.server = bao.addr;
    store.spec.provider.vault.path = kv;
    store.spec.provider.vault.auth.appRole.path = approle;
    store.spec.provider.vault.auth.appRole.roleId = roleId;
    await e.apply(store);
    await waitForReady(e, { kind: 'ClusterSecretStore', name: 'vault-backend' }, 'True');

    // Values with characters outside Base64, since the example decodes with `Auto`.
    await bao.writeKv(kv, 2, 'database-credentials', { username: 'db@user', password: 'db-Passw0rd!' });
    await bao.writeKv(kv, 2, 'app/api-orders', { key: 'orders-key!' }, { team: 'payments' });
    await bao.writeKv(kv, 2, 'app/api-search', { key: 'search-key!' }, { team: 'search' });
    e.rememberSecretValues('db-Passw0rd!', 'orders-key!', 'search-key!');
    const ns = await e.namespace('datafrom');
    const es = only('externalsecret-datafrom.yaml');
    used.add('externalsecret-datafrom.yaml');
    // OpenBao lists names under the path with it: `app/api-orders`.
    es.spec.dataFrom[1].find.name.regexp = '^app/api-.*';
    es.spec.dataFrom[1].rewrite[0].regexp.source = 'app/api-(.*)';
    await e.apply(inNamespace(es, ns));
    const data = await waitFor('the Secret', () => e.secret(ns, 'app-secrets'));
    assert.deepEqual(data, {
      username: 'db@user',
      password: 'db-Passw0rd!',
      API_ORDERS: JSON.stringify({ key: 'orders-key!' }),
    });
  });

  test('aws-secretstore.yaml and externalsecret-template.yaml render a dockerconfigjson Secret', async () => {
    const ns = await e.namespace('aws');
    await userSecret(e, ns, 'awssm-secret', { 'access-key': 'testing', 'secret-access-key': 'testing' });
    const store = only('aws-secretstore.yaml');
    used.add('aws-secretstore.yaml');
    store.spec.provider.aws.region = region;
    store.spec.provider.aws.prefix = `${awsPrefix}`;
    await e.apply(inNamespace(store, ns));
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'secretstore-sample' }, 'True');
    await putAws(
      `${awsPrefix}/credentials/registry`,
      JSON.stringify({ user: 'registry-user', pass: Buffer.from('registry-Passw0rd').toString('base64') }),
      region,
    );
    e.rememberSecretValues('registry-Passw0rd');
    await e.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'grafana-config-tpl' }, data: { 'config.yaml': 'user: {{ .user }}' } },
    });
    const es = only('externalsecret-template.yaml');
    used.add('externalsecret-template.yaml');
    // The docs' literal names a key this example does not fetch; point it at one it does.
    es.spec.target.template.templateFrom[1].literal = 'last-sync: {{ .user }}';
    await e.apply(inNamespace(es, ns));
    const data = await waitFor('the Secret', () => e.secret(ns, 'template'));
    const auth = Buffer.from('registry-user:registry-Passw0rd').toString('base64');
    assert.deepEqual(JSON.parse(data['.dockerconfigjson'] ?? '{}'), { auths: { registry: { auth } } });
    assert.equal(data['config.yaml'], 'user: registry-user');
    const secret = await e.core.readNamespacedSecret({ namespace: ns, name: 'template' });
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(secret.metadata?.labels?.app, 'web');
    assert.equal(secret.metadata?.annotations?.team, 'platform');
    assert.equal(secret.metadata?.annotations?.['last-sync'], 'registry-user');
  });

  test('aws-clustersecretstore-jwt.yaml: a role assumed with a service account token, only where conditions allow', async () => {
    const store = only('aws-clustersecretstore-jwt.yaml');
    used.add('aws-clustersecretstore-jwt.yaml');
    store.spec.provider.aws.region = region;
    await e.core.createNamespace({ body: { metadata: { name: 'sa-namespace' } } });
    await e.core.createNamespacedServiceAccount({
      namespace: 'sa-namespace',
      body: { metadata: { name: 'my-serviceaccount' } },
    });
    await e.apply(store);
    await waitForReady(e, { kind: 'ClusterSecretStore', name: 'secretstore-sample' }, 'True');
    await putAws(`${awsPrefix}/team/api`, 'team-api-value', region);
    const team = `team-${e.unique('x').slice(-6)}`;
    await e.core.createNamespace({ body: { metadata: { name: team } } });
    const other = await e.namespace('elsewhere');
    const es = (namespace: string): Obj =>
      externalSecret(namespace, 'team-secret', {
        refreshInterval: '1h',
        secretStoreRef: { name: 'secretstore-sample', kind: 'ClusterSecretStore' },
        data: [{ secretKey: 'api', remoteRef: { key: `${awsPrefix}/team/api` } }],
      });
    await e.apply(es(team));
    await e.apply(es(other));
    assert.deepEqual(await waitFor('the Secret in the team namespace', () => e.secret(team, 'team-secret')), {
      api: 'team-api-value',
    });
    const refused = await waitForReady(e, { kind: 'ExternalSecret', namespace: other, name: 'team-secret' }, 'False');
    assert.match(refused.message ?? '', /does not allow namespace/);
  });

  test('clusterexternalsecret.yaml: stamped into the namespaces its selectors match', async () => {
    const ces = only('clusterexternalsecret.yaml');
    used.add('clusterexternalsecret.yaml');
    ces.spec.externalSecretSpec.secretStoreRef.name = 'fake';
    ces.spec.externalSecretSpec.data[0].remoteRef.key = '/foo/bar';
    ces.spec.externalSecretSpec.data[0].remoteRef.version = 'v2';
    const cool = await e.namespace('cool', { cool: 'label' });
    const dev = await e.namespace('dev', { environment: 'dev' });
    const prod = await e.namespace('prod', { environment: 'prod' });
    await e.apply(ces);
    for (const ns of [cool, dev]) {
      assert.deepEqual(await waitFor(`the Secret in ${ns}`, () => e.secret(ns, 'my-secret')), {
        'my-secret': 'HELLO2',
      });
      const es = await e.get(EXTERNAL, 'ExternalSecret', ns, 'hello-world-es');
      assert.equal(es?.metadata?.labels?.team, 'platform');
    }
    assert.equal(await e.get(EXTERNAL, 'ExternalSecret', prod, 'hello-world-es'), undefined);
    await waitForReady(e, { kind: 'ClusterExternalSecret', name: 'hello-world' }, 'True');
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
