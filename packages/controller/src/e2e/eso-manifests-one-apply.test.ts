// What a new user does with ESO's documentation: ten of its manifests for the generators,
// the webhook store, PushSecret and ClusterPushSecret (examples/migration/eso, only apiVersion
// changed), with the Secrets they read, in ONE multi-document file spanning three namespaces,
// applied with `kubectl apply -f` twice: once while the controller is not running yet, once into
// a running controller. One store the file names is missing (vault-pushsecret.yaml's `vault-secretstore`) and one store's server is
// down (webhook-secretstore.yaml pointed at a port that refuses). Either way the controller
// must stay up, say what is wrong on exactly those two objects, and serve everything else; a
// second file with the missing store then completes the push. As in eso-manifests-more.test.ts,
// only values that name the docs authors' infrastructure are pointed at the sandbox, and the
// cluster-scoped names (and the namespace label the ClusterPushSecret selects) are made unique
// to this run, since other files share the cluster.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { refusedPort, requirePeerEnv, startWebhookServer, type WebhookServer } from '@lockstep/sandbox';
import { KUBECTL, requireTool, run } from '../chart/helm-chart.ts';
import { counterValue } from '../testing/counter-value.ts';
import { type E2e, startE2e, stopAll, waitForReady } from '../testing/e2e-harness.ts';
import { manifests } from '../testing/eso-docs.ts';
import type { Obj } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { waitFor } from '../testing/wait-for.ts';

/** The account of the role ARNs in ESO's docs; moto's STS assumes any role of it. */
const DOCS_ROLE = 'arn:aws:iam::123456789012:role/my-role';
/** The docs' template `{{ .best-pokemon }}` does not parse in Go; `index` is Go's way (eso-manifests-more.test.ts shows the refusal). */
const GO_TEMPLATE = '{{ index . "best-pokemon" | toString | upper }} is the really best!';
const POKEMON = 'squirtle-newuser';

const secret = (namespace: string, name: string, stringData: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

/** Writes the documents as one multi-document file and applies it in one `kubectl apply -f`. */
async function kubectlApply(kubeconfigPath: string, file: string, documents: Obj[]): Promise<string> {
  await writeFile(file, documents.map((d) => JSON.stringify(d)).join('\n---\n'));
  const applied = await run(KUBECTL, ['--kubeconfig', kubeconfigPath, 'apply', '-f', file]);
  assert.equal(applied.code, 0, applied.stderr);
  return applied.stdout;
}

/**
 * The version of every object of the file, by `kind namespace/name`: its resourceVersion, or,
 * with `specOnly` (a running controller writes statuses meanwhile), the generation of the objects
 * that have one.
 */
async function versions(kubeconfigPath: string, file: string, specOnly: boolean): Promise<Record<string, string>> {
  const got = await run(KUBECTL, ['--kubeconfig', kubeconfigPath, 'get', '-f', file, '-o', 'json']);
  assert.equal(got.code, 0, got.stderr);
  const items = (JSON.parse(got.stdout) as { items: Obj[] }).items;
  return Object.fromEntries(
    items.map((o) => [
      `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`,
      String((specOnly ? o.metadata?.generation : undefined) ?? o.metadata?.resourceVersion ?? ''),
    ]),
  );
}

for (const when of ['before', 'after'] as const)
  describe(`ESO's manifests for the new kinds in one kubectl apply, ${when} the controller starts, one store missing and one down`, () => {
    let e: E2e;
    let bao: OpenBaoForE2e;
    let hook: WebhookServer;
    let ssm: SSMClient;
    const suffix = randomBytes(3).toString('hex');
    const gen = `newuser-gen-${suffix}`;
    const down = `newuser-down-${suffix}`;
    const push = `newuser-push-${suffix}`;
    const clusterGenerator = `cluster-gen-${suffix}`;
    const clusterPushSecret = `hello-world-${suffix}`;
    const remoteKey = `/lockstep-e2e/newuser-${suffix}/my-first-parameter`;
    /** What the second `kubectl apply` of the same file printed, and each object's resourceVersion before and after it. */
    const reapply = { printed: '', before: {} as Record<string, string>, after: {} as Record<string, string> };

    /** Every document of the example files, each placed in `namespace` (cluster-scoped ones left alone) and edited. */
    const docs = (namespace: string, files: string[], edit: (doc: Obj) => void = () => {}): Obj[] =>
      files.flatMap((file) =>
        manifests(file).map((doc) => {
          if (!doc.kind?.startsWith('Cluster')) doc.metadata = { ...doc.metadata, namespace };
          edit(doc);
          return doc;
        }),
      );

    /** The one file a new user applies: ten ESO docs manifests and the Secrets and ConfigMap they read. */
    async function theFile(): Promise<Obj[]> {
      const refused = await refusedPort();
      return [
        // Generators: UUID, a ClusterGenerator's Password, STS and ECR on moto, Webhook on the sandbox's server.
        secret(gen, 'my-aws-creds', { 'key-id': 'testing', 'access-secret': 'testing' }),
        ...docs(
          gen,
          [
            'uuid-generator.yaml',
            'cluster-generator.yaml',
            'sts-session-token-generator.yaml',
            'ecr-authorization-token-generator.yaml',
            'webhook-generator.yaml',
          ],
          (doc) => {
            if (doc.kind === 'ClusterGenerator') doc.metadata = { ...doc.metadata, name: clusterGenerator };
            if (doc.metadata?.name === 'cluster-secret')
              doc.spec.dataFrom[0].sourceRef.generatorRef.name = clusterGenerator;
            if (doc.kind === 'STSSessionToken' || doc.kind === 'ECRAuthorizationToken') doc.spec.role = DOCS_ROLE;
            if (doc.kind === 'Webhook') {
              doc.spec.url = doc.spec.url.replace('http://httpbin.org', hook.url);
              doc.spec.caBundle = Buffer.from(hook.caPem).toString('base64');
            }
          },
        ),
        // The webhook store whose server is down: nothing listens on its port.
        ...docs(down, ['webhook-secretstore.yaml'], (doc) => {
          if (doc.kind === 'SecretStore') {
            doc.spec.provider.webhook.url = doc.spec.provider.webhook.url.replace(
              'http://httpbin.org',
              `https://127.0.0.1:${refused}`,
            );
          }
        }),
        // A PushSecret to a store nobody created yet, and a ClusterPushSecret onto Parameter Store.
        secret(push, 'awssm-secret', { 'access-key': 'testing', 'secret-access-key': 'testing' }),
        secret(push, 'pokedex-credentials', { 'best-pokemon': POKEMON }),
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'application-config-tmpl', namespace: push },
          data: { 'config.yml': 'favourite: {{ index . "best-pokemon" }}' },
        },
        ...docs(push, ['aws-parameterstore.yaml', 'vault-pushsecret.yaml', 'clusterpushsecret-full.yaml'], (doc) => {
          if (doc.kind === 'SecretStore') doc.metadata = { ...doc.metadata, name: 'aws-parameterstore' };
          if (doc.kind === 'ClusterPushSecret') {
            doc.metadata = { ...doc.metadata, name: clusterPushSecret };
            doc.spec.namespaceSelectors = [{ matchLabels: { cool: suffix } }];
            doc.spec.pushSecretSpec.data[0].match.remoteRef.remoteKey = remoteKey;
            doc.spec.pushSecretSpec.template.data['best-pokemon'] = GO_TEMPLATE;
            delete doc.status;
          }
        }),
      ];
    }

    before(async () => {
      requireTool(KUBECTL);
      const env = requirePeerEnv('moto', 'openbao');
      const moto = env.AWS_ENDPOINT_URL_SECRETS_MANAGER as string;
      hook = await startWebhookServer();
      ssm = new SSMClient({ region: 'eu-central-1', endpoint: moto });
      /** The user's namespaces, then the file applied twice, as users do. */
      const applyTwice = async ({
        kc,
        kubeconfigPath,
        dir,
      }: {
        kc: KubeConfig;
        kubeconfigPath: string;
        dir: string;
      }) => {
        const core = kc.makeApiClient(CoreV1Api);
        for (const name of [gen, down]) await core.createNamespace({ body: { metadata: { name } } });
        await core.createNamespace({ body: { metadata: { name: push, labels: { cool: suffix } } } });
        const file = join(dir, 'eso-docs.yaml');
        const documents = await theFile();
        assert.ok(documents.length >= 20, `${documents.length} documents`);
        await kubectlApply(kubeconfigPath, file, documents);
        reapply.before = await versions(kubeconfigPath, file, when === 'after');
        reapply.printed = await kubectlApply(kubeconfigPath, file, documents);
        reapply.after = await versions(kubeconfigPath, file, when === 'after');
      };
      e = await startE2e({
        file: `newuser-${when}`,
        // moto serves every AWS API on one endpoint; the SDK takes one variable per service.
        env: { AWS_ENDPOINT_URL_SSM: moto, AWS_ENDPOINT_URL_ECR: moto },
        ...(when === 'before' ? { beforeController: applyTwice } : {}),
      });
      if (when === 'after') await applyTwice(e);
      e.rememberSecretValues(POKEMON);
      bao = await openBaoForE2e(e);
    });
    after(async () => {
      await stopAll(e, bao, hook);
      await ssm?.send(new DeleteParameterCommand({ Name: remoteKey })).catch(() => {});
      ssm?.destroy();
    });

    const parameter = async (name: string) =>
      (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })).catch(() => undefined))?.Parameter
        ?.Value;

    test('applying the file a second time changes no object', () => {
      // kubectl prints "configured" for objects whose lists the API server defaulted (a custom
      // resource is patched with a JSON merge patch, which replaces a list whole) and for Secrets
      // written with stringData; the server finds nothing to change, as with ESO's CRDs.
      const printed = reapply.printed.trim().split('\n');
      assert.ok(printed.length >= 20, reapply.printed);
      assert.deepEqual(
        printed.filter((line) => !/ (unchanged|configured)$/.test(line)),
        [],
      );
      assert.ok(Object.keys(reapply.before).length >= 20);
      assert.deepEqual(reapply.after, reapply.before);
    });

    test('every generator serves its ExternalSecret', async () => {
      const secretOf = (name: string) => waitFor(`Secret ${gen}/${name}`, () => e.secret(gen, name));
      assert.match((await secretOf('uuid-secret')).uuid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]/);
      assert.equal((await secretOf('cluster-secret')).password?.length, 42);
      assert.deepEqual(Object.keys(await secretOf('sts-secret')).sort(), [
        'access_key_id',
        'expiration',
        'secret_access_key',
        'session_token',
      ]);
      assert.equal((await secretOf('ecr-secret')).username, 'AWS');
      assert.deepEqual(await secretOf('webhook-secret'), { parameter: 'test' });
      for (const name of ['uuid', 'cluster-secret', 'sts-secret', 'ecr-secret', 'webhook']) {
        await waitForReady(e, { kind: 'ExternalSecret', namespace: gen, name }, 'True');
      }
    });

    test("the ClusterPushSecret's PushSecret pushes in the labelled namespace", async () => {
      assert.equal(
        await waitFor('the pushed parameter', () => parameter(remoteKey)),
        `${POKEMON.toUpperCase()} is the really best!`,
      );
      await waitForReady(e, { kind: 'PushSecret', namespace: push, name: 'hello-world-ps' }, 'True');
    });

    test('the ExternalSecret of the store whose server is down says so, and nothing is written', async () => {
      const condition = await waitForReady(
        e,
        { kind: 'ExternalSecret', namespace: down, name: 'webhook-example' },
        'False',
      );
      assert.match(condition.message ?? '', /cannot be reached \(ECONNREFUSED\)/);
      assert.equal(await e.secret(down, 'example-sync'), undefined);
    });

    test('the PushSecret of the missing store says which, and pushes once the store is applied', async () => {
      const condition = await waitForReady(
        e,
        { kind: 'PushSecret', namespace: push, name: 'pushsecret-example' },
        'False',
      );
      assert.match(condition.message ?? '', /SecretStore "vault-secretstore" not found in namespace/);

      const kv = await bao.kvMount('newuser', 2);
      const token = await bao.token(`path "${kv}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`);
      e.rememberSecretValues(token);
      const store = docs(push, ['vault-secretstore-token.yaml'], (doc) => {
        doc.metadata = { ...doc.metadata, name: 'vault-secretstore' };
        doc.spec.provider.vault.server = bao.addr;
        doc.spec.provider.vault.path = kv;
      });
      await kubectlApply(e.kubeconfigPath, join(e.dir, 'the-missing-store.yaml'), [
        secret(push, 'vault-token', { token }),
        ...store,
      ]);
      await waitForReady(e, { kind: 'PushSecret', namespace: push, name: 'pushsecret-example' }, 'True', {
        reason: 'Synced',
      });
      const read = async (path: string) => (await bao.bao.read(`${kv}/data/${path}`)).data?.data;
      assert.deepEqual(await read('vault/secret1'), { foo: 'bar' });
      assert.deepEqual(await read('vault/secret2'), { foo: 'bar' });
    });

    test('the controller stayed up with no unexpected error, and no value leaked', async () => {
      assert.equal(e.controller.exitReason(), undefined);
      assert.equal(counterValue(await e.controller.metrics(), 'lockstep_unexpected_errors_total'), 0);
      assert.deepEqual(
        e.controller.errorLines().filter((line) => /unhandled rejection|failed unexpectedly/.test(line)),
        [],
      );
      assert.deepEqual(await e.leaks(), []);
    });
  });
