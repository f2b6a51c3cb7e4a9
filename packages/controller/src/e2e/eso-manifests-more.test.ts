// More manifests from ESO's documentation (examples/migration/eso, only apiVersion changed from
// ESO's), one file per test: each file is applied whole, one request per document in file
// order, to the real binary, and its result checked end to end on the sandbox's peers (moto,
// OpenBao, the HTTPS webhook server). As in eso-manifests.test.ts, only values that name the
// docs authors' infrastructure (urls, CAs, regions, role ARNs, remote keys, store names, the
// tags and name patterns a find selects) are pointed at the sandbox, in `applyFile`'s edits.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { requirePeerEnv, startWebhookServer, type WebhookServer } from '@lockstep/sandbox';
import { type E2e, startE2e, stopAll, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { manifests } from '../testing/eso-docs.ts';
import { EXTERNAL, type Obj } from '../testing/external-resources.ts';
import { unlessNotFound } from '../testing/kube-objects.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { waitFor } from '../testing/wait-for.ts';

/** The account of the role ARNs in ESO's own docs; moto's STS assumes any role of it. */
const DOCS_ROLE = 'arn:aws:iam::123456789012:role/my-role';
/** The regions of the docs' manifests, kept: moto serves every region. */
const SSM_REGION = 'eu-central-1';
const SM_REGION = 'us-east-1';
/** ESO's template `{{ .best-pokemon }}` does not parse in Go either ("bad number syntax"); `index` is Go's way. */
const GO_TEMPLATE = '{{ index . "best-pokemon" | toString | upper }} is the really best!';

describe("more of ESO's documented manifests (generators, PushSecret, ClusterPushSecret, webhook, find)", () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let hook: WebhookServer;
  let sm: SecretsManagerClient;
  let ssm: SSMClient;
  /** Unique to this run: the Parameter Store hierarchy and Secrets Manager names it creates. */
  let root: string;
  let prefix: string;
  const smNames: string[] = [];
  const used = new Set<string>();

  /**
   * Applies every document of an example file in file order, one request each: namespaced
   * objects into `namespace`, each first passed through `edit` (which points infrastructure
   * values at the sandbox and answers the document to apply).
   */
  async function applyFile(file: string, namespace: string, edit: (doc: Obj) => Obj = (d) => d): Promise<Obj[]> {
    used.add(file);
    const applied: Obj[] = [];
    for (const doc of manifests(file)) {
      const clusterScoped = doc.kind?.startsWith('Cluster') ?? false;
      const placed = clusterScoped ? doc : { ...doc, metadata: { ...doc.metadata, namespace } };
      applied.push(await e.apply(edit(placed)));
    }
    return applied;
  }
  const ready = (kind: string, namespace: string | undefined, name: string) =>
    waitForReady(e, { kind, ...(namespace ? { namespace } : {}), name }, 'True');
  const secretOf = async (namespace: string, name: string) => {
    const data = await waitFor(`Secret ${namespace}/${name}`, () => e.secret(namespace, name));
    // Short values ("test", "secret", "AWS") are everyday words of a log, not secrets.
    e.rememberSecretValues(...Object.values(data).filter((v) => v.length >= 8));
    return data;
  };
  const parameter = async (name: string) =>
    (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })).catch(() => undefined))?.Parameter
      ?.Value;
  const putSm = async (name: string, value: string, tags: Record<string, string>) => {
    e.rememberSecretValues(value);
    smNames.push(name);
    await sm.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: value,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  };
  /** The access keys the docs' AWS manifests read: moto takes any. */
  const awsKeys = (namespace: string, name: string, keys: [string, string]) =>
    userSecret(e, namespace, name, { [keys[0]]: 'testing', [keys[1]]: 'testing' });
  /** The Parameter Store store of aws-parameterstore.yaml under the name the PushSecret docs give it. */
  async function parameterStore(namespace: string): Promise<void> {
    await awsKeys(namespace, 'awssm-secret', ['access-key', 'secret-access-key']);
    await applyFile('aws-parameterstore.yaml', namespace, (store) => {
      store.metadata = { ...store.metadata, name: 'aws-parameterstore' };
      return store;
    });
    await ready('SecretStore', namespace, 'aws-parameterstore');
  }
  /** What the PushSecret docs' template reads: the pushed Secret and the templateFrom ConfigMap. */
  async function pokedex(namespace: string, best: string): Promise<void> {
    e.rememberSecretValues(best);
    await userSecret(e, namespace, 'pokedex-credentials', { 'best-pokemon': best });
    await e.core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: 'application-config-tmpl' },
        data: { 'config.yml': 'favourite: {{ index . "best-pokemon" }}' },
      },
    });
  }

  before(async () => {
    const env = requirePeerEnv('moto', 'openbao');
    const moto = env.AWS_ENDPOINT_URL_SECRETS_MANAGER as string;
    hook = await startWebhookServer();
    // moto serves every AWS API on one endpoint; the SDK takes one variable per service.
    e = await startE2e({ file: 'esomore', env: { AWS_ENDPOINT_URL_SSM: moto, AWS_ENDPOINT_URL_ECR: moto } });
    bao = await openBaoForE2e(e);
    sm = new SecretsManagerClient({ region: SM_REGION });
    ssm = new SSMClient({ region: SSM_REGION, endpoint: moto });
    // Parameter names starting with "aws" or "ssm" are reserved by AWS.
    root = `/lockstep-e2e/${e.unique('docs')}`;
    prefix = e.unique('docs');
  });
  after(async () => {
    await stopAll(e, bao, hook);
    for (const name of smNames) {
      await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => {});
    }
    const listed = await ssm
      ?.send(new GetParametersByPathCommand({ Path: root, Recursive: true }))
      .catch(() => ({ Parameters: [] }));
    const names = (listed?.Parameters ?? []).map((p) => p.Name as string);
    if (names.length > 0) await ssm.send(new DeleteParametersCommand({ Names: names })).catch(() => {});
    sm?.destroy();
    ssm?.destroy();
    // Every example file a test below applied; at least 10 of them.
    assert.ok(used.size >= 10, `only ${used.size} ESO manifests exercised: ${[...used].join(', ')}`);
  });

  test('uuid-generator.yaml: the UUID generator writes a version 4 UUID', async () => {
    const ns = await e.namespace('uuid');
    await applyFile('uuid-generator.yaml', ns);
    const data = await secretOf(ns, 'uuid-secret');
    assert.deepEqual(Object.keys(data), ['uuid']);
    assert.match(data.uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await ready('ExternalSecret', ns, 'uuid');
  });

  test("cluster-generator.yaml: a ClusterGenerator's Password spec serves an ExternalSecret of any namespace", async () => {
    const ns = await e.namespace('cluster-gen');
    await applyFile('cluster-generator.yaml', ns);
    const password = (await secretOf(ns, 'cluster-secret')).password ?? '';
    assert.equal(password.length, 42);
    assert.equal(password.replace(/[^0-9]/g, '').length, 5);
    assert.equal(password.replace(/[^-_$@]/g, '').length, 5);
    await ready('ExternalSecret', ns, 'cluster-secret');
  });

  /** An AWS generator example with the docs' credentials Secret and role: the Secret it fed. */
  async function awsGenerator(file: string, kind: string, target: string): Promise<Record<string, string>> {
    const ns = await e.namespace(kind.toLowerCase());
    await awsKeys(ns, 'my-aws-creds', ['key-id', 'access-secret']);
    await applyFile(file, ns, (doc) => {
      if (doc.kind === kind) doc.spec.role = DOCS_ROLE;
      return doc;
    });
    return secretOf(ns, target);
  }

  test('sts-session-token-generator.yaml: temporary credentials from moto under the docs role and MFA parameters', async () => {
    const data = await awsGenerator('sts-session-token-generator.yaml', 'STSSessionToken', 'sts-secret');
    assert.deepEqual(Object.keys(data).sort(), ['access_key_id', 'expiration', 'secret_access_key', 'session_token']);
    assert.match(data.access_key_id ?? '', /^[A-Z0-9]{16,}$/);
    assert.ok(Number(data.expiration) > Date.now() / 1000, 'expiration in Unix seconds, in the future');
  });

  test('ecr-authorization-token-generator.yaml: the registry login from moto under the docs role', async () => {
    const data = await awsGenerator('ecr-authorization-token-generator.yaml', 'ECRAuthorizationToken', 'ecr-secret');
    assert.equal(data.username, 'AWS');
    assert.ok(data.password, 'a registry password');
    assert.match(data.proxy_endpoint ?? '', /^https:\/\/\d+\.dkr\.ecr\.eu-west-1\./);
    assert.match(data.expires_at ?? '', /^\d+$/);
  });

  // httpbin.org is pointed at the sandbox's HTTPS webhook server, whose /get echoes the query
  // as httpbin does; the CA it trusts is the one piece of the sandbox's infrastructure added.
  const toSandbox = (webhook: { url: string; caBundle?: string }) => {
    webhook.url = webhook.url.replace('http://httpbin.org', hook.url);
    webhook.caBundle = Buffer.from(hook.caPem).toString('base64');
  };
  const basicTest = `Basic ${Buffer.from('test:test').toString('base64')}`;

  test("webhook-generator.yaml: the Webhook generator's answer at $.args, called with the Secret's templated credentials", async () => {
    const ns = await e.namespace('webhook-gen');
    await applyFile('webhook-generator.yaml', ns, (doc) => {
      if (doc.kind === 'Webhook') toSandbox(doc.spec);
      return doc;
    });
    assert.deepEqual(await secretOf(ns, 'webhook-secret'), { parameter: 'test' });
    const call = hook.requests().find((r) => r.path === '/get?parameter=test');
    assert.equal(call?.headers.authorization, basicTest);
    assert.equal(call?.headers['content-type'], 'application/json');
  });

  test("webhook-secretstore.yaml: the webhook store's answer at $.args.parameter, as the docs show", async () => {
    const ns = await e.namespace('webhook-store');
    await applyFile('webhook-secretstore.yaml', ns, (doc) => {
      if (doc.kind === 'SecretStore') toSandbox(doc.spec.provider.webhook);
      return doc;
    });
    await ready('SecretStore', ns, 'webhook-backend');
    // The docs: "will create a secret with foobar: c2VjcmV0", base64 of "secret".
    assert.deepEqual(await secretOf(ns, 'example-sync'), { foobar: 'secret' });
    const call = hook.requests().find((r) => r.path === '/get?parameter=secret');
    assert.equal(call?.headers.authorization, basicTest);
    // The docs' value is the word "secret", which every log and status holds: remove the
    // managed Secret so the suite's closing scan looks for real values only.
    await e.remove(EXTERNAL, 'ExternalSecret', ns, 'webhook-example');
    await waitFor(
      'the ExternalSecret gone',
      async () => !(await e.get(EXTERNAL, 'ExternalSecret', ns, 'webhook-example')),
    );
    // Owned by the ExternalSecret, the garbage collector may have removed it already.
    await unlessNotFound(() => e.core.deleteNamespacedSecret({ namespace: ns, name: 'example-sync' }));
  });

  test('vault-pushsecret.yaml: a JSON value pushed as a whole secret and a plain one as a property, to OpenBao', async () => {
    const ns = await e.namespace('vault-push');
    const kv = await bao.kvMount('push', 2);
    const token = await bao.token(`path "${kv}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`);
    e.rememberSecretValues(token);
    await userSecret(e, ns, 'vault-token', { token });
    // The store the example pushes to, from vault-secretstore-token.yaml under the name it uses.
    await applyFile('vault-secretstore-token.yaml', ns, (store) => {
      store.metadata = { ...store.metadata, name: 'vault-secretstore' };
      store.spec.provider.vault.server = bao.addr;
      store.spec.provider.vault.path = kv;
      return store;
    });
    await ready('SecretStore', ns, 'vault-secretstore');
    await applyFile('vault-pushsecret.yaml', ns);
    await waitForReady(e, { kind: 'PushSecret', namespace: ns, name: 'pushsecret-example' }, 'True', {
      reason: 'Synced',
    });
    const read = async (path: string) => (await bao.bao.read(`${kv}/data/${path}`)).data?.data;
    assert.deepEqual(await read('vault/secret1'), { foo: 'bar' });
    assert.deepEqual(await read('vault/secret2'), { foo: 'bar' });
    const meta = await bao.bao.read(`${kv}/metadata/vault/secret1`);
    assert.ok(meta.data?.custom_metadata, 'the ownership mark in custom_metadata');
  });

  test('pushsecret-full.yaml: the docs template is refused as Go refuses it; with Go syntax it pushes, and Delete removes', async () => {
    const ns = await e.namespace('ps-full');
    await parameterStore(ns);
    await pokedex(ns, 'pikachu-ps');
    const remoteKey = `${root}/ps/my-first-parameter`;
    const point = (doc: Obj) => {
      doc.spec.data[0].match.remoteRef.remoteKey = remoteKey;
      return doc;
    };
    await applyFile('pushsecret-full.yaml', ns, point);
    const refused = await waitForReady(e, { kind: 'PushSecret', namespace: ns, name: 'pushsecret-example' }, 'False');
    assert.match(refused.message ?? '', /template: data\.best-pokemon:1:9: bad character/);
    assert.equal(await parameter(remoteKey), undefined, 'nothing pushed');

    // The same manifest with the template written as Go reads it.
    const fixed = point(manifests('pushsecret-full.yaml')[0] as Obj);
    fixed.metadata = { ...fixed.metadata, namespace: ns };
    fixed.spec.template.data['best-pokemon'] = GO_TEMPLATE;
    await e.apply(fixed);
    assert.equal(await waitFor('the pushed parameter', () => parameter(remoteKey)), 'PIKACHU-PS is the really best!');
    await ready('PushSecret', ns, 'pushsecret-example');

    await e.remove(EXTERNAL, 'PushSecret', ns, 'pushsecret-example');
    await waitFor(
      'the parameter deleted (deletionPolicy Delete)',
      async () => (await parameter(remoteKey)) === undefined,
    );
  });

  test('clusterpushsecret-full.yaml: a PushSecret in each namespace labelled cool=label only, pushing its own Secret', async () => {
    const cool = await e.namespace('cps-cool', { cool: 'label' });
    const other = await e.namespace('cps-other');
    for (const ns of [cool, other]) {
      await parameterStore(ns);
      await pokedex(ns, `${ns === cool ? 'bulbasaur' : 'charmander'}-cps`);
    }
    const remoteKey = `${root}/cps/my-first-parameter`;
    const point = (doc: Obj) => {
      doc.spec.pushSecretSpec.data[0].match.remoteRef.remoteKey = remoteKey;
      return doc;
    };
    await applyFile('clusterpushsecret-full.yaml', '', point);
    const stamped = await waitFor('the PushSecret in the cool namespace', () =>
      e.get(EXTERNAL, 'PushSecret', cool, 'hello-world-ps'),
    );
    assert.equal(stamped.spec.deletionPolicy, 'Delete');
    assert.equal(await e.get(EXTERNAL, 'PushSecret', other, 'hello-world-ps'), undefined);
    const status = await waitFor('provisionedNamespaces', async () => {
      const cps = await e.get(EXTERNAL, 'ClusterPushSecret', undefined, 'hello-world');
      return cps?.status?.provisionedNamespaces?.length ? cps.status : undefined;
    });
    // The docs' sample status is not taken at create: only what the controller provisioned.
    assert.deepEqual(status.provisionedNamespaces, [cool]);
    const refused = await waitForReady(e, { kind: 'PushSecret', namespace: cool, name: 'hello-world-ps' }, 'False');
    assert.match(refused.message ?? '', /template: data\.best-pokemon:1:9: bad character/);
    assert.equal(await parameter(remoteKey), undefined, 'nothing pushed');

    const fixed = point(manifests('clusterpushsecret-full.yaml')[0] as Obj);
    fixed.spec.pushSecretSpec.template.data['best-pokemon'] = GO_TEMPLATE;
    await e.apply(fixed);
    assert.equal(
      await waitFor('the pushed parameter', () => parameter(remoteKey)),
      'BULBASAUR-CPS is the really best!',
    );

    await e.remove(EXTERNAL, 'ClusterPushSecret', undefined, 'hello-world');
    await waitFor('the parameter deleted with its PushSecret', async () => (await parameter(remoteKey)) === undefined);
  });

  /** The Secrets Manager store of aws-secretstore.yaml, which the find examples name. */
  async function secretsManagerStore(namespace: string): Promise<void> {
    await awsKeys(namespace, 'awssm-secret', ['access-key', 'secret-access-key']);
    await applyFile('aws-secretstore.yaml', namespace);
    await ready('SecretStore', namespace, 'secretstore-sample');
  }

  test('getallsecrets-find-by-tags.yaml: every secret carrying both tags, and no other', async () => {
    const ns = await e.namespace('find-tags');
    await secretsManagerStore(ns);
    // The docs' `application: app-name` names the reader's application: one unique to this run.
    const app = `${prefix}-app`;
    await putSm(`${prefix}-orders`, 'find-orders-value', { environment: 'prod', application: app });
    await putSm(`${prefix}-staging`, 'find-staging-value', { environment: 'dev', application: app });
    await putSm(`${prefix}-elsewhere`, 'find-elsewhere-value', { environment: 'prod', application: 'other' });
    await applyFile('getallsecrets-find-by-tags.yaml', ns, (doc) => {
      doc.spec.dataFrom[0].find.tags.application = app;
      return doc;
    });
    assert.deepEqual(await secretOf(ns, 'secret-to-be-created'), { [`${prefix}-orders`]: 'find-orders-value' });
  });

  test('getallsecrets-find-by-name.yaml: every secret whose name matches the regexp', async () => {
    const ns = await e.namespace('find-name');
    await secretsManagerStore(ns);
    await putSm(`${prefix}-api-key`, 'find-api-key-value', {});
    await putSm(`${prefix}-db-key`, 'find-db-key-value', {});
    await putSm(`${prefix}-password`, 'find-password-value', {});
    // The docs' regexp "key" would match every name with "key" in the shared moto: this run's only.
    await applyFile('getallsecrets-find-by-name.yaml', ns, (doc) => {
      doc.spec.dataFrom[0].find.name.regexp = `^${prefix}-.*key`;
      return doc;
    });
    assert.deepEqual(await secretOf(ns, 'secret-to-be-created'), {
      [`${prefix}-api-key`]: 'find-api-key-value',
      [`${prefix}-db-key`]: 'find-db-key-value',
    });
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
