import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadDemoManifests, substitute } from './demo-manifests.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/demo', import.meta.url));
const ADDR = 'http://127.0.0.1:8200';

type Obj = KubernetesObject & { spec?: Record<string, unknown> };
const find = (objects: Obj[], kind: string, name: string, namespace?: string) => {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata?.name === name && o.metadata?.namespace === namespace,
  );
  assert.ok(found, `examples/demo has no ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
  return found;
};

describe('demo manifests', () => {
  it('refuses a placeholder that has no value instead of applying it literally', () => {
    assert.equal(substitute('server: ${OPENBAO_ADDR}', { OPENBAO_ADDR: ADDR }), `server: ${ADDR}`);
    assert.throws(
      () => substitute('server: ${OPENBAO_ADR}', { OPENBAO_ADDR: ADDR }, 'x.yaml'),
      /x\.yaml: no value for \$\{OPENBAO_ADR\}/,
    );
  });

  it('cover two tenant namespaces and every kind the demo promises, pointed at the sandbox', async () => {
    const objects = (await loadDemoManifests(EXAMPLES, { OPENBAO_ADDR: ADDR })) as Obj[];
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
});
