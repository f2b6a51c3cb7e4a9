// Everything the controller serves, exercised through the Kubernetes API as users would, so
// the rbac tests see every kind of request it makes: each generic kind (fake, vault and
// cluster stores, generators, templateFrom, a ClusterExternalSecret), each Vault-native kind
// (rollout restarts, a capped lease re-issued, a certificate revoked on delete), changes and
// deletions.

import assert from 'node:assert/strict';
import {
  clusterSecretStore,
  EXTERNAL,
  externalSecret,
  GENERATORS,
  type Obj,
  secretStore,
} from '../testing/external-resources.ts';
import type { ControllerPod } from './controller-pod.ts';
import { dynamicSecret, leasePolicy, type Ops, VAULT, waitFor, waitReady } from './ops-harness.ts';

export interface RbacWorld {
  /** The tenant namespace holding every namespaced object. */
  namespace: string;
  /** Namespaces labelled for the ClusterExternalSecret (the tenant's first). */
  cesNamespaces: string[];
  /** The ClusterExternalSecret's name (also its namespace selector's label value). */
  ces: string;
  /** For each owner kind, an object the controller creates with a blockOwnerDeletion owner reference to it. */
  ownedBy: Record<string, { resource: string; namespace: string; name: string }>;
}

const CES_LABEL = 'ops-rbac';

/**
 * Creates every kind in `namespace` (a new one when not given) and a ClusterExternalSecret
 * over a ClusterSecretStore selecting it and `alsoSelect`. Does not wait for anything.
 */
export async function createEverything(
  ops: Ops,
  opts: { namespace?: string; alsoSelect?: string[] } = {},
): Promise<RbacWorld> {
  const kv = await ops.kvMount();
  const db = await ops.databaseMount({ defaultTtl: '4s', maxTtl: '8s' });
  const pki = await ops.pkiMount();
  const tenant = await ops.tenant(
    [
      leasePolicy(db.mount, db.role),
      `path "${kv}/data/*" { capabilities = ["read"] }`,
      `path "${kv}/metadata/*" { capabilities = ["read", "list"] }`,
      `path "${pki.mount}/issue/${pki.role}" { capabilities = ["update"] }`,
      `path "${pki.mount}/revoke" { capabilities = ["update"] }`,
    ].join('\n'),
    opts.namespace ? { namespace: opts.namespace } : {},
  );
  const ns = tenant.namespace;
  await ops.bao.write(`${kv}/data/app/config`, { data: { password: 'rbac-kv-v1' } });
  await ops.deployment(ns, 'api');
  await ops.apps.createNamespacedStatefulSet({ namespace: ns, body: workload('db') });
  await ops.apps.createNamespacedDaemonSet({ namespace: ns, body: workload('agent') });
  await ops.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'tpl' }, data: { note: 'generated' } },
  });

  // Generic pipeline: a fake store, a vault KV store (kubernetes auth), generators with
  // templateFrom a ConfigMap, and a ClusterExternalSecret over a ClusterSecretStore.
  const fakeData = [{ key: 'fake-key', value: 'fake-value-1' }];
  const css = ops.unique('css');
  const generic: Obj[] = [
    secretStore(ns, 'fake', { fake: { data: fakeData } }),
    externalSecret(ns, 'from-fake', {
      refreshInterval: '1s',
      secretStoreRef: { name: 'fake', kind: 'SecretStore' },
      target: { name: 'from-fake', deletionPolicy: 'Delete' },
      data: [{ secretKey: 'value', remoteRef: { key: 'fake-key' } }],
    }),
    secretStore(ns, 'vault', {
      vault: {
        server: ops.baoAddr,
        path: kv,
        version: 'v2',
        auth: { kubernetes: { mountPath: ops.authMount, role: tenant.role, serviceAccountRef: { name: 'app' } } },
      },
    }),
    externalSecret(ns, 'from-vault', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault' },
      target: { name: 'from-vault' },
      data: [{ secretKey: 'password', remoteRef: { key: 'app/config', property: 'password' } }],
    }),
    { apiVersion: GENERATORS, kind: 'Password', metadata: { name: 'pw', namespace: ns }, spec: { length: 16 } },
    { apiVersion: GENERATORS, kind: 'Fake', metadata: { name: 'fk', namespace: ns }, spec: { data: { foo: 'bar' } } },
    ...['Password:pw', 'Fake:fk'].map((ref) => {
      const [kind, name] = ref.split(':') as [string, string];
      return externalSecret(ns, `gen-${name}`, {
        refreshInterval: '1h',
        target: {
          name: `gen-${name}`,
          template: { mergePolicy: 'Merge', templateFrom: [{ configMap: { name: 'tpl', items: [{ key: 'note' }] } }] },
        },
        dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind, name } } }],
      });
    }),
    clusterSecretStore(css, { fake: { data: fakeData } }),
  ];
  for (const obj of generic) await ops.create(obj);
  // A PushSecret with deletionPolicy Delete: its finalizer (a metadata patch) and its status.
  await ops.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'push-source' }, stringData: { token: 'rbac-push-value' } },
  });
  await ops.create({
    apiVersion: EXTERNAL,
    kind: 'PushSecret',
    metadata: { name: 'push-fake', namespace: ns },
    spec: {
      refreshInterval: '1h',
      deletionPolicy: 'Delete',
      secretStoreRefs: [{ name: 'fake', kind: 'SecretStore' }],
      selector: { secret: { name: 'push-source' } },
      data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'pushed-token' } } }],
    },
  });
  const ces = ops.unique('sel');
  await ops.create({
    apiVersion: EXTERNAL,
    kind: 'ClusterExternalSecret',
    metadata: { name: ces },
    spec: {
      externalSecretName: 'from-ces',
      namespaceSelectors: [{ matchLabels: { [CES_LABEL]: ces } }],
      refreshTime: '1s',
      externalSecretSpec: {
        refreshInterval: '1h',
        secretStoreRef: { name: css, kind: 'ClusterSecretStore' },
        target: { name: 'from-ces' },
        data: [{ secretKey: 'value', remoteRef: { key: 'fake-key' } }],
      },
    },
  });
  // The ClusterPushSecret stamps a PushSecret beside each provisioned ExternalSecret.
  await ops.create({
    apiVersion: EXTERNAL,
    kind: 'ClusterPushSecret',
    metadata: { name: ces },
    spec: {
      pushSecretName: 'from-cps',
      namespaceSelectors: [{ matchLabels: { [CES_LABEL]: ces } }],
      refreshTime: '1s',
      pushSecretSpec: {
        refreshInterval: '1h',
        secretStoreRefs: [{ name: 'fake', kind: 'SecretStore' }],
        selector: { secret: { name: 'push-source' } },
        data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'cps-token' } } }],
      },
    },
  });
  const cesNamespaces = [ns, ...(opts.alsoSelect ?? [])];
  for (const n of cesNamespaces) await labelNamespace(ops, n, { [CES_LABEL]: ces });

  // Vault-native engine: a static secret restarting a StatefulSet and a DaemonSet, leased
  // database credentials (capped by max_ttl, so re-issued with a Deployment rollout), and a
  // certificate revoked on delete.
  const vaultKinds: Array<[string, string, object]> = [
    [
      'VaultStaticSecret',
      'kv',
      {
        vaultAuthRef: 'default',
        mount: kv,
        type: 'kv-v2',
        path: 'app/config',
        refreshAfter: '1s',
        destination: { name: 'vss', create: true },
        rolloutRestartTargets: [
          { kind: 'StatefulSet', name: 'db' },
          { kind: 'DaemonSet', name: 'agent' },
        ],
      },
    ],
    [
      'VaultDynamicSecret',
      'creds',
      dynamicSecret(ns, db, { renewalPercent: 50, rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] }).spec,
    ],
    [
      'VaultPKISecret',
      'cert',
      {
        mount: pki.mount,
        role: pki.role,
        commonName: 'web.example.com',
        ttl: '1h',
        revoke: true,
        clear: true,
        destination: { name: 'web-tls', create: true, type: 'kubernetes.io/tls' },
      },
    ],
  ];
  for (const [kind, name, spec] of vaultKinds) {
    await ops.create({ apiVersion: VAULT, kind, metadata: { name, namespace: ns }, spec });
  }
  const secret = (name: string) => ({ resource: 'secrets', namespace: ns, name });
  return {
    namespace: ns,
    cesNamespaces,
    ces,
    ownedBy: {
      externalsecrets: secret('from-fake'),
      clusterexternalsecrets: { resource: 'externalsecrets', namespace: ns, name: 'from-ces' },
      clusterpushsecrets: { resource: 'pushsecrets', namespace: ns, name: 'from-cps' },
      vaultstaticsecrets: secret('vss'),
      vaultdynamicsecrets: secret('db-creds'),
      vaultpkisecrets: secret('web-tls'),
    },
  };
}

/**
 * Waits until everything is Ready, then changes and deletes things so every write path runs:
 * a remote change restarting workloads, a capped lease re-issued, the ClusterExternalSecret
 * replacing and removing what it provisioned, a Secret deleted with its remote key, the
 * finalizers that revoke, and a graceful stop releasing the Lease.
 */
export async function exerciseEverything(ops: Ops, world: RbacWorld, leader: ControllerPod): Promise<void> {
  const ns = world.namespace;
  for (const name of ['from-fake', 'from-vault', 'gen-pw', 'gen-fk'])
    await waitReady(ops, EXTERNAL, 'ExternalSecret', ns, name);
  for (const n of world.cesNamespaces) await waitReady(ops, EXTERNAL, 'ExternalSecret', n, 'from-ces');
  await waitReady(ops, EXTERNAL, 'PushSecret', ns, 'push-fake');
  for (const [kind, name] of [
    ['VaultStaticSecret', 'kv'],
    ['VaultDynamicSecret', 'creds'],
    ['VaultPKISecret', 'cert'],
  ] as const)
    await waitReady(ops, VAULT, kind, ns, name);

  // A remote change restarts the static secret's targets; max_ttl re-issues the credentials.
  const kv = (await ops.get(VAULT, 'VaultStaticSecret', ns, 'kv'))?.spec?.mount as string;
  await ops.bao.write(`${kv}/data/app/config`, { data: { password: 'rbac-kv-v2' } });
  await waitFor(
    'the StatefulSet restarted',
    async () =>
      (await ops.apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec?.template?.metadata?.annotations?.[
        'lockstep.dev/restartedAt'
      ],
  );
  await waitFor('the Deployment restarted after a re-issue', () => ops.restartedAt(ns, 'api'));

  // The ClusterExternalSecret's and ClusterPushSecret's specs change: each replaces what it provisioned.
  for (const [kind, plural, specField, child, childName] of [
    ['ClusterExternalSecret', 'clusterexternalsecrets', 'externalSecretSpec', 'ExternalSecret', 'from-ces'],
    ['ClusterPushSecret', 'clusterpushsecrets', 'pushSecretSpec', 'PushSecret', 'from-cps'],
  ] as const) {
    const parent = await ops.get(EXTERNAL, kind, undefined, world.ces);
    assert.ok(parent, `the ${kind} exists`);
    parent.spec[specField].refreshInterval = '2h';
    await ops.custom.replaceClusterCustomObject({
      group: 'external.lockstep.dev',
      version: 'v1',
      plural,
      name: world.ces,
      body: parent,
    });
    for (const n of world.cesNamespaces)
      await waitFor(
        `the provisioned ${child} in ${n} replaced`,
        async () => (await ops.get(EXTERNAL, child, n, childName))?.spec?.refreshInterval === '2h',
      );
  }

  // Deletions: the ClusterExternalSecret's ExternalSecret when the namespace leaves its
  // selection, the target Secret when the remote key goes (deletionPolicy Delete), and the
  // finalizers that revoke the lease and the certificate.
  await labelNamespace(ops, ns, {});
  await waitFor(
    'the ExternalSecret of the ClusterExternalSecret deleted',
    async () => !(await ops.get(EXTERNAL, 'ExternalSecret', ns, 'from-ces')),
  );
  await waitFor(
    'the PushSecret of the ClusterPushSecret deleted',
    async () => !(await ops.get(EXTERNAL, 'PushSecret', ns, 'from-cps')),
  );
  await ops.replaceFakeData(ns, 'fake', [{ key: 'other', value: 'x' }]);
  await waitFor('the target Secret deleted with its remote key', async () => !(await ops.secret(ns, 'from-fake')));
  await ops.remove(VAULT, 'VaultDynamicSecret', ns, 'creds');
  await ops.remove(VAULT, 'VaultPKISecret', ns, 'cert');
  await ops.remove(EXTERNAL, 'ExternalSecret', ns, 'from-vault');
  await ops.remove(EXTERNAL, 'PushSecret', ns, 'push-fake');
  await waitFor(
    'the PushSecret gone through its finalizer',
    async () => !(await ops.get(EXTERNAL, 'PushSecret', ns, 'push-fake')),
  );
  for (const [kind, name] of [
    ['VaultDynamicSecret', 'creds'],
    ['VaultPKISecret', 'cert'],
  ] as const)
    await waitFor(`${kind} ${name} gone through its finalizer`, async () => !(await ops.get(VAULT, kind, ns, name)));

  // A graceful stop releases the Lease (an update of it).
  assert.deepEqual(await leader.terminate(), { code: 0, signal: null });
}

function workload(name: string) {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      serviceName: name,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  };
}

export async function labelNamespace(ops: Ops, name: string, labels: Record<string, string>): Promise<void> {
  const current = await ops.core.readNamespace({ name });
  await ops.core.replaceNamespace({ name, body: { ...current, metadata: { ...current.metadata, labels } } });
}
