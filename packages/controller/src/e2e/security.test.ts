// The classes of ESO security advisories, each tried by a tenant against the real binary on a
// real API server: reading another namespace's template sources, CA Secrets or service-account
// tokens through a namespaced store, listing another namespace's Secrets through the
// kubernetes provider, and the breadth of the chart's RBAC. Tenant A owns `ns`; the victim's
// objects live in `victim`. "Nothing was read" is asserted from kube-apiserver's audit log,
// after a positive signal (the refusal's condition) that the controller got that far.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { assertNoLeaks, grantSecretAccess, motoFromEnv, type RequestLogEntry, requirePeerEnv } from '@lockstep/sandbox';
import { type Manifest, renderChart } from '../chart/helm-chart.ts';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, type Obj, secretStore } from '../testing/external-resources.ts';

const FAKE = { fake: { data: [{ key: 'greeting', value: 'tenant-fake-value-1' }] } };
const VICTIM_TEMPLATE = 'victim-template-Secr3t-4711';
const VICTIM_CA = 'victim-ca-not-a-pem-0815';
const VICTIM_DATA = 'victim-db-Passw0rd-31337';

describe('ESO advisory classes: a tenant cannot reach across namespaces', () => {
  let e: E2e;
  let ns: string;
  let victim: string;
  const reads = (match: Partial<RequestLogEntry>) =>
    e.server.requests().filter((r) => Object.entries(match).every(([k, v]) => r[k as keyof RequestLogEntry] === v));
  /** Applies `obj`; answers `rejected` when the API server refuses it (strict field validation), else `stored`. */
  const applyOrRejected = async (obj: Obj): Promise<'stored' | 'rejected'> => {
    try {
      await e.apply(obj);
      return 'stored';
    } catch (err) {
      if (err instanceof ApiException && (err.code === 400 || err.code === 422)) return 'rejected';
      throw err;
    }
  };

  before(async () => {
    requirePeerEnv('moto');
    motoFromEnv();
    e = await startE2e({ file: 'security' });
    ns = await e.namespace('tenant');
    victim = await e.namespace('victim');
    e.rememberSecretValues(VICTIM_TEMPLATE, VICTIM_CA, VICTIM_DATA, 'tenant-fake-value-1');
    await e.core.createNamespacedConfigMap({
      namespace: victim,
      body: { metadata: { name: 'tpl' }, data: { 'config.yaml': `password: ${VICTIM_TEMPLATE}` } },
    });
    await userSecret(e, victim, 'tpl', { 'config.yaml': `password: ${VICTIM_TEMPLATE}` });
    await userSecret(e, victim, 'ca', { 'ca.crt': VICTIM_CA });
    await userSecret(e, victim, 'db', { password: VICTIM_DATA });
    await e.core.createNamespacedServiceAccount({ namespace: victim, body: { metadata: { name: 'app' } } });
    await e.apply(secretStore(ns, 'fake', FAKE));
  });
  after(async () => {
    if (e) await assertNoLeaks({ logFile: e.controller.logFile, core: e.core, custom: e.custom });
    await e?.stop();
  });

  test('templateFrom reads ConfigMaps and Secrets of the ExternalSecret namespace only', async () => {
    for (const source of ['configMap', 'secret'] as const) {
      const name = `tpl-from-${source.toLowerCase()}`;
      const outcome = await applyOrRejected(
        externalSecret(ns, name, {
          secretStoreRef: { name: 'fake' },
          refreshInterval: '1h',
          data: [{ secretKey: 'greeting', remoteRef: { key: 'greeting' } }],
          target: {
            template: {
              templateFrom: [
                {
                  [source]: {
                    name: 'tpl',
                    namespace: victim,
                    items: [{ key: 'config.yaml', templateAs: 'KeysAndValues' }],
                  },
                },
              ],
            },
          },
        }),
      );
      if (outcome === 'stored') {
        // The schema has no namespace there: the API server drops it, and the name resolves in the tenant's namespace.
        const stored = await e.get(EXTERNAL, 'ExternalSecret', ns, name);
        assert.equal(stored?.spec?.target?.template?.templateFrom?.[0]?.[source]?.namespace, undefined);
        const ready = await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name }, 'False');
        assert.match(ready.message ?? '', new RegExp(`not found in namespace "${ns}"|"${ns}"`));
      }
      assert.equal(await e.secret(ns, name), undefined, 'no target Secret built from the victim template');
    }
    assert.deepEqual(reads({ resource: 'configmaps', namespace: victim, verb: 'get' }), []);
    assert.deepEqual(reads({ resource: 'secrets', namespace: victim, name: 'tpl', verb: 'get' }), []);
  });

  test("a SecretStore's caProvider cannot name a Secret of another namespace (vault and kubernetes providers)", async () => {
    const caProvider = { type: 'Secret', name: 'ca', key: 'ca.crt', namespace: victim };
    await e.apply(
      secretStore(ns, 'vault-ca', {
        vault: {
          server: 'https://vault.example.invalid:8200',
          path: 'secret',
          caProvider,
          auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
        },
      }),
    );
    await e.apply(
      secretStore(ns, 'kube-ca', {
        kubernetes: {
          remoteNamespace: ns,
          server: { url: 'https://kubernetes.example.invalid', caProvider },
          auth: { serviceAccount: { name: 'default' } },
        },
      }),
    );
    const vault = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'vault-ca' }, 'False');
    assert.match(vault.message ?? '', /caProvider\.namespace must be empty or .*cannot read other namespaces/);
    const kube = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'kube-ca' }, 'False');
    assert.match(kube.message ?? '', /caProvider\.namespace must be empty or .*cannot read other namespaces/);
    // ExternalSecrets using them fail the same way, and the CA Secret is never read.
    for (const store of ['vault-ca', 'kube-ca']) {
      await e.apply(
        externalSecret(ns, `via-${store}`, {
          secretStoreRef: { name: store },
          data: [{ secretKey: 'k', remoteRef: { key: 'db', property: 'password' } }],
        }),
      );
      await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: `via-${store}` }, 'False');
    }
    assert.deepEqual(reads({ resource: 'secrets', namespace: victim, name: 'ca', verb: 'get' }), []);
  });

  test('no service-account token is minted in another namespace (vault kubernetes/jwt, kubernetes, aws jwt)', async () => {
    const sa = { name: 'app', namespace: victim };
    const stores: Array<[string, object]> = [
      [
        'vault-k8s',
        {
          vault: {
            server: 'https://vault.example.invalid:8200',
            path: 'secret',
            auth: { kubernetes: { mountPath: 'kubernetes', role: 'app', serviceAccountRef: sa } },
          },
        },
      ],
      [
        'vault-jwt',
        {
          vault: {
            server: 'https://vault.example.invalid:8200',
            path: 'secret',
            auth: { jwt: { path: 'jwt', role: 'app', kubernetesServiceAccountToken: { serviceAccountRef: sa } } },
          },
        },
      ],
      ['kube-sa', { kubernetes: { remoteNamespace: ns, auth: { serviceAccount: sa } } }],
      [
        'aws-jwt',
        {
          aws: {
            service: 'SecretsManager',
            region: requirePeerEnv('moto').AWS_REGION,
            role: 'arn:aws:iam::123456789012:role/victim',
            auth: { jwt: { serviceAccountRef: sa } },
          },
        },
      ],
    ];
    for (const [name, provider] of stores) await e.apply(secretStore(ns, name, provider));
    for (const [name] of stores) {
      const ready = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name }, 'False');
      assert.match(ready.message ?? '', new RegExp(`"${victim}"|namespace`), name);
      await e.apply(
        externalSecret(ns, `via-${name}`, {
          secretStoreRef: { name },
          data: [{ secretKey: 'k', remoteRef: { key: 'db', property: 'password' } }],
        }),
      );
      await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: `via-${name}` }, 'False');
    }
    assert.deepEqual(reads({ resource: 'serviceaccounts', subresource: 'token', namespace: victim }), []);
  });

  test("find and dataFrom on the kubernetes provider list only what the store's own identity may list", async () => {
    const reader = 'lister';
    await e.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: reader } } });
    // The tenant's service account may read Secrets of its own namespace only.
    await grantSecretAccess(e.kc, ns, { namespace: ns, name: reader }, ['get', 'list']);
    await userSecret(e, ns, 'mine-app', { password: 'tenant-own-Passw0rd-5' });
    e.rememberSecretValues('tenant-own-Passw0rd-5');
    const find = (name: string, remoteNamespace?: string) => [
      secretStore(ns, name, {
        kubernetes: { ...(remoteNamespace ? { remoteNamespace } : {}), auth: { serviceAccount: { name: reader } } },
      }),
      externalSecret(ns, name, {
        secretStoreRef: { name },
        refreshInterval: '1h',
        dataFrom: [{ find: { name: { regexp: '.*' } } }],
      }),
    ];
    for (const obj of [...find('list-own', ns), ...find('list-victim', victim), ...find('list-default')]) {
      await e.apply(obj);
    }
    // Positive control: the same identity lists its own namespace.
    const own = await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'list-own' }, 'True');
    assert.equal(own.status, 'True');
    assert.equal((await e.secret(ns, 'list-own'))?.['mine-app'] !== undefined, true);
    for (const name of ['list-victim', 'list-default']) {
      await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name }, 'False');
      assert.equal(await e.secret(ns, name), undefined, `${name}: nothing synced`);
    }
    const user = `system:serviceaccount:${ns}:${reader}`;
    const lists = e.server.requests().filter((r) => r.user === user && r.resource === 'secrets' && r.verb === 'list');
    assert.ok(lists.length > 0, 'the store listed with its own identity');
    assert.deepEqual(
      lists.filter((r) => r.namespace === undefined),
      [],
      'never a cluster-wide list',
    );
    assert.ok(
      lists.filter((r) => r.namespace === victim).every((r) => r.code === 403),
      "the victim's namespace is refused by RBAC",
    );
    // The controller's own identity never listed the victim's Secrets for the store.
    assert.deepEqual(
      e.server
        .requests()
        .filter((r) => r.user !== user && r.resource === 'secrets' && r.namespace === victim && r.verb !== 'create'),
      [],
    );
  });

  test("no secret value reaches logs, Events, /metrics or any kind's status", async () => {
    await assertNoLeaks(
      { logFile: e.controller.logFile, core: e.core, custom: e.custom, metrics: () => e.controller.metrics() },
      [VICTIM_TEMPLATE, VICTIM_CA, VICTIM_DATA, 'tenant-fake-value-1', 'tenant-own-Passw0rd-5'],
    );
  });
});

/** The chart's resource names with release name `lockstep`. */
const FULLNAME = 'lockstep';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/**
 * Every grant the chart may make, as documented in docs/security.md ("RBAC breadth"). A new
 * rule fails here until it is documented there.
 */
const DOCUMENTED_GRANTS = new Set([
  ...['externalsecrets', 'secretstores', 'clustersecretstores', 'clusterexternalsecrets'].flatMap((r) =>
    ['list', 'watch'].map((v) => `external.lockstep.dev/${r}:${v}`),
  ),
  ...['list', 'watch', 'patch'].map((v) => `external.lockstep.dev/pushsecrets:${v}`),
  'external.lockstep.dev/pushsecrets/status:patch',
  ...['list', 'watch'].map((v) => `external.lockstep.dev/clusterpushsecrets:${v}`),
  'external.lockstep.dev/clusterpushsecrets/status:patch',
  'external.lockstep.dev/clusterpushsecrets/finalizers:update',
  ...['create', 'update', 'delete'].map((v) => `external.lockstep.dev/pushsecrets:${v}`),
  ...['create', 'update', 'delete', 'patch'].map((v) => `external.lockstep.dev/externalsecrets:${v}`),
  ...[
    'passwords',
    'fakes',
    'vaultdynamicsecrets',
    'webhooks',
    'uuids',
    'sshkeys',
    'stssessiontokens',
    'ecrauthorizationtokens',
    'clustergenerators',
  ].map((r) => `generators.lockstep.dev/${r}:get`),
  ...['list', 'watch', 'create', 'patch', 'delete'].map((v) => `generators.lockstep.dev/generatorstates:${v}`),
  ...['vaultconnections', 'vaultauths', 'vaultstaticsecrets', 'vaultdynamicsecrets', 'vaultpkisecrets'].flatMap((r) =>
    ['list', 'watch', 'status-patch'].map((v) =>
      v === 'status-patch' ? `vault.lockstep.dev/${r}/status:patch` : `vault.lockstep.dev/${r}:${v}`,
    ),
  ),
  'vault.lockstep.dev/vaultdynamicsecrets:patch',
  'vault.lockstep.dev/vaultpkisecrets:patch',
  ...['externalsecrets', 'secretstores', 'clustersecretstores', 'clusterexternalsecrets'].map(
    (r) => `external.lockstep.dev/${r}/status:patch`,
  ),
  'external.lockstep.dev/externalsecrets/finalizers:update',
  'external.lockstep.dev/clusterexternalsecrets/finalizers:update',
  ...['vaultstaticsecrets', 'vaultdynamicsecrets', 'vaultpkisecrets'].map(
    (r) => `vault.lockstep.dev/${r}/finalizers:update`,
  ),
  '/namespaces:list',
  '/namespaces:watch',
  ...['get', 'list', 'watch', 'create', 'update', 'delete'].map((v) => `/secrets:${v}`),
  '/configmaps:get',
  '/serviceaccounts/token:create',
  '/events:create',
  ...['deployments', 'statefulsets', 'daemonsets'].flatMap((r) => ['get', 'patch'].map((v) => `apps/${r}:${v}`)),
  'argoproj.io/rollouts:get',
  'argoproj.io/rollouts:patch',
  'coordination.k8s.io/leases:create',
  'coordination.k8s.io/leases:get',
  'coordination.k8s.io/leases:update',
]);

function grants(docs: Manifest[], kind: string): Array<{ grant: string; where: string }> {
  return docs
    .filter((d) => d.kind === kind)
    .flatMap((d) =>
      (d.rules as Rule[]).flatMap((r) =>
        r.apiGroups.flatMap((g) =>
          r.resources.flatMap((res) =>
            r.verbs.map((v) => ({
              grant: `${g}/${res}:${v}`,
              where: `${kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`,
            })),
          ),
        ),
      ),
    );
}

describe("RBAC breadth of the chart's roles", () => {
  for (const [label, values] of [
    ['every namespace (default)', {}],
    ['watched namespaces', { watchNamespaces: ['team-a', 'team-b'] }],
  ] as const) {
    test(`${label}: no wildcard, nothing beyond the documented grants, Secret list/watch cluster-wide only when every namespace is watched`, async () => {
      const docs = await renderChart(values);
      const all = [...grants(docs, 'ClusterRole'), ...grants(docs, 'Role')];
      assert.ok(all.length > 0);
      for (const { grant, where } of all) {
        assert.ok(!grant.includes('*'), `wildcard ${grant} in ${where}`);
        assert.ok(DOCUMENTED_GRANTS.has(grant), `undocumented grant ${grant} in ${where}`);
      }
      for (const dangerous of ['escalate', 'bind', 'impersonate']) {
        assert.ok(!all.some((g) => g.grant.endsWith(`:${dangerous}`)), dangerous);
      }
      const clusterSecrets = grants(docs, 'ClusterRole').filter((g) => g.grant.startsWith('/secrets:'));
      if ('watchNamespaces' in values) assert.deepEqual(clusterSecrets, [], 'no cluster-wide Secret access');
      else
        assert.deepEqual(clusterSecrets.map((g) => g.grant.split(':')[1]).sort(), [
          'create',
          'delete',
          'get',
          'list',
          'update',
          'watch',
        ]);
      // The leader Lease is the only one the controller may touch, in its own namespace.
      const leases = docs
        .filter((d) => d.kind === 'Role' && (d.rules as Rule[]).some((r) => r.resources.includes('leases')))
        .map((d) => d.metadata.name);
      assert.deepEqual(leases, [`${FULLNAME}-leader-election`]);
    });
  }
});
