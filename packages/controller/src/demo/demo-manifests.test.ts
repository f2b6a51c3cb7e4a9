import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadDemoManifests, substitute } from './demo-manifests.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/demo', import.meta.url));
const ADDR = 'http://127.0.0.1:8200';
const HOOK = 'https://127.0.0.1:8443';
const VARS = { OPENBAO_ADDR: ADDR, WEBHOOK_URL: HOOK, WEBHOOK_TOKEN: 'hook-token', WEBHOOK_CA_BUNDLE: 'Q0EK' };

type Obj = KubernetesObject & { spec?: Record<string, unknown> };
const find = (objects: Obj[], kind: string, name: string, namespace?: string) => {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata?.name === name && o.metadata?.namespace === namespace,
  );
  assert.ok(found, `examples/demo has no ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
  return found;
};

const storeOf = (es: Obj) => (es.spec?.secretStoreRef as { name?: string } | undefined)?.name;

describe('demo manifests', () => {
  it('refuses a placeholder that has no value instead of applying it literally', () => {
    assert.equal(substitute('server: ${OPENBAO_ADDR}', { OPENBAO_ADDR: ADDR }), `server: ${ADDR}`);
    assert.throws(
      () => substitute('server: ${OPENBAO_ADR}', { OPENBAO_ADDR: ADDR }, 'x.yaml'),
      /x\.yaml: no value for \$\{OPENBAO_ADR\}/,
    );
  });

  it('cover two tenant namespaces and every kind the demo promises, pointed at the sandbox', async () => {
    const objects = (await loadDemoManifests(EXAMPLES, VARS)) as Obj[];
    for (const ns of ['demo', 'payments']) find(objects, 'Namespace', ns);
    find(objects, 'ServiceAccount', 'app', 'demo');

    const aws = find(objects, 'SecretStore', 'aws', 'demo').spec as { provider: { aws?: unknown } };
    assert.ok(aws.provider.aws);
    const vault = find(objects, 'SecretStore', 'vault', 'demo').spec as {
      provider: {
        vault: { server: string; auth: { kubernetes: { role: string; serviceAccountRef: { name: string } } } };
      };
    };
    assert.equal(vault.provider.vault.server, ADDR);
    assert.deepEqual(
      [vault.provider.vault.auth.kubernetes.role, vault.provider.vault.auth.kubernetes.serviceAccountRef.name],
      ['app', 'app'],
      'the seeded kubernetes role binds service account app in namespace demo',
    );
    find(objects, 'ClusterSecretStore', 'aws-shared');
    find(objects, 'ExternalSecret', 'billing-api-key', 'payments');
    find(objects, 'ClusterExternalSecret', 'shared-api-key');
    assert.equal(find(objects, 'VaultConnection', 'default', 'demo').spec?.address, ADDR);
    find(objects, 'VaultAuth', 'default', 'demo');
    find(objects, 'VaultStaticSecret', 'api-key', 'demo');
    find(objects, 'VaultPKISecret', 'web-tls', 'demo');

    const vds = find(objects, 'VaultDynamicSecret', 'db-creds', 'demo').spec as {
      mount: string;
      path: string;
      rolloutRestartTargets: { kind: string; name: string }[];
    };
    assert.equal(`${vds.mount}/${vds.path}`, 'database/creds/app');
    for (const target of vds.rolloutRestartTargets) find(objects, target.kind, target.name, 'demo');
  });

  it('read Parameter Store and the webhook server, each through a store of its own', async () => {
    const objects = (await loadDemoManifests(EXAMPLES, VARS)) as Obj[];
    const ssm = find(objects, 'SecretStore', 'ssm', 'demo').spec as { provider: { aws: { service: string } } };
    assert.equal(ssm.provider.aws.service, 'ParameterStore');
    assert.equal(storeOf(find(objects, 'ExternalSecret', 'app-db-ssm', 'demo')), 'ssm');

    const hook = find(objects, 'SecretStore', 'webhook', 'demo').spec as {
      provider: { webhook: { url: string; caBundle: string; secrets: { secretRef: { name: string } }[] } };
    };
    assert.equal(hook.provider.webhook.url, `${HOOK}/secrets/{{ .remoteRef.key }}`);
    assert.equal(hook.provider.webhook.caBundle, 'Q0EK');
    const credentials = find(objects, 'Secret', 'webhook-credentials', 'demo') as Obj & { stringData?: object };
    assert.equal(hook.provider.webhook.secrets[0]?.secretRef.name, credentials.metadata?.name);
    assert.equal(credentials.metadata?.labels?.['external-secrets.io/type'], 'webhook', 'the webhook secrets gate');
    assert.deepEqual(credentials.stringData, { token: 'hook-token' });
    assert.equal(storeOf(find(objects, 'ExternalSecret', 'app-smtp-webhook', 'demo')), 'webhook');
  });
});
