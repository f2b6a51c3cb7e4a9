// The Kubernetes cluster an end-to-end suite runs on: the real control plane `make test`
// starts (KUBECONFIG and LOCKSTEP_AUDIT_LOG from the global setup), or any cluster named by
// LOCKSTEP_TEST_KUBECONFIG. A suite holds the cluster alone while it runs and removes what it
// created (namespaces and cluster-scoped Lockstep objects) before it lets the next one in.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1CustomResourceDefinition,
  type V1Namespace,
} from '@kubernetes/client-node';
import { issueClientCert } from '../apiserver/pki.ts';
import type { RequestLogEntry } from '../apiserver/request-log.ts';
import { crdCoordinates } from '../control-plane/apply-crds.ts';
import { AuditLog } from '../control-plane/audit-log.ts';
import { kubeconfigYaml } from '../control-plane/pki-files.ts';
import { once } from '../peers/once.ts';
import { assertNoLeaks, type LeakPlaces } from './leak-scan.ts';
import { refuseInUnitTier } from './peers.ts';
import { lockAnyCluster } from './suite-lock.ts';

export interface TestCluster {
  url: string;
  caPem: string;
  kc: KubeConfig;
  /** The admin kubeconfig as YAML, and a copy of it written where asked. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  /** Resource requests from kube-apiserver's audit log; throws when the cluster has none. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /**
   * Ends the suite, in the one safe order: the leak scan while everything still runs; the
   * cleanup (what the suite created, waited until gone) while its controllers still run, as
   * they remove their finalizers; then `stopControllers`; then the next suite is let in. A
   * leak is thrown last, once everything is released.
   */
  stop(opts?: SuiteEnd): Promise<void>;
}

export interface SuiteEnd {
  /** Where to look for secret values (with `remembered`, the values the suite put into peers). */
  leaks?: LeakPlaces;
  remembered?: Iterable<string>;
  stopControllers?: () => Promise<unknown>;
}

const CLEANUP_TIMEOUT_MS = 90_000;
// A suite that killed its controllers leaves Lockstep finalizers nobody removes; after this
// long the cleanup removes them itself (the objects are going anyway).
const FINALIZER_GRACE_MS = 15_000;

/** A cluster the suites may use: its admin kubeconfig, audit log and CA key (when known). */
export interface TestClusterAccess {
  kubeconfig: string;
  auditLog?: string;
  caKey?: string;
}

/** The clusters of this run: LOCKSTEP_TEST_KUBECONFIG, else those the global setup started. */
export function testClusters(env: NodeJS.ProcessEnv = process.env): TestClusterAccess[] {
  if (env.LOCKSTEP_TEST_KUBECONFIG) {
    return [{ kubeconfig: env.LOCKSTEP_TEST_KUBECONFIG, auditLog: env.LOCKSTEP_TEST_AUDIT_LOG }];
  }
  if (env.LOCKSTEP_E2E_CLUSTERS) return JSON.parse(env.LOCKSTEP_E2E_CLUSTERS) as TestClusterAccess[];
  if (!env.KUBECONFIG) return [];
  return [{ kubeconfig: env.KUBECONFIG, auditLog: env.LOCKSTEP_AUDIT_LOG, caKey: env.LOCKSTEP_CLUSTER_CA_KEY }];
}

export async function acquireTestCluster(suite: string): Promise<TestCluster> {
  refuseInUnitTier('a test cluster');
  const clusters = testClusters();
  if (clusters.length === 0) {
    throw new Error(
      'no cluster for the end-to-end suites: run them with ' +
        '--test-global-setup=packages/sandbox/src/testing/global-setup.ts (as `make test` does), ' +
        'or set LOCKSTEP_TEST_KUBECONFIG to a test cluster (docs/sandbox.md).',
    );
  }
  const admins = clusters.map((c) => {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    return kc;
  });
  const { index, release } = await lockAnyCluster(
    admins.map((kc) => kc.getCurrentCluster()?.server ?? ''),
    suite,
  );
  const access = clusters[index] as TestClusterAccess;
  const adminKubeconfig = access.kubeconfig;
  const auditPath = access.auditLog;
  const cluster = admins[index]?.getCurrentCluster();
  const url = cluster?.server ?? '';
  const caPem = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : '';
  try {
    // On the sandbox's own cluster each suite acts as a user of its own (a client certificate
    // from the cluster CA), so the audit log tells exactly what it created. Elsewhere the
    // suite falls back to "created while it held the cluster".
    const caKeyPath = access.caKey;
    const identity = caKeyPath && auditPath && caPem ? await suiteIdentity(suite, url, caPem, caKeyPath) : undefined;
    const kubeconfigPath = identity?.kubeconfigPath ?? adminKubeconfig;
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    // A namespace still terminating (the last holder's cleanup ran out of time) would refuse
    // this suite's objects or hand it stale ones under a reused fixed name.
    await waitForTerminatingNamespaces(kc);
    const created: Created = identity
      ? createdByUser(new AuditLog(auditPath as string, { fromNow: true }), identity.user)
      : await createdWhileHeld(kc);
    const audit = auditPath ? new AuditLog(auditPath, { fromNow: true }) : undefined;
    const needAudit = (): AuditLog => {
      if (!audit) {
        throw new Error(
          "this check counts API requests from kube-apiserver's audit log; set LOCKSTEP_TEST_AUDIT_LOG to the log of the cluster in LOCKSTEP_TEST_KUBECONFIG",
        );
      }
      return audit;
    };
    const releaseAll = async () => {
      await release();
      if (identity) await rm(identity.dir, { recursive: true, force: true });
    };
    return {
      url,
      caPem,
      kc,
      kubeconfig: () => kc.exportConfig(),
      writeKubeconfig: (path) => copyFile(kubeconfigPath, path),
      requests: () => needAudit().requests(),
      clearRequests: () => needAudit().clear(),
      stop: once(async (end: SuiteEnd = {}) => {
        const leaked = end.leaks
          ? await assertNoLeaks(end.leaks, end.remembered).then(
              () => undefined,
              (err: unknown) => err,
            )
          : undefined;
        try {
          await removeCreated(kc, await created());
        } finally {
          try {
            await end.stopControllers?.();
          } finally {
            await releaseAll();
          }
        }
        if (leaked) throw leaked;
      }),
    };
  } catch (err) {
    await release();
    throw err;
  }
}

/** What a suite created: namespaces and cluster-scoped Lockstep objects (by CRD name). */
interface CreatedObjects {
  namespaces: string[];
  clusterObjects: { crd: string; name: string }[];
}
type Created = () => Promise<CreatedObjects>;

async function suiteIdentity(
  suite: string,
  url: string,
  caPem: string,
  caKeyPath: string,
): Promise<{ user: string; kubeconfigPath: string; dir: string }> {
  const user = `lockstep-e2e:${suite.replace(/[^a-zA-Z0-9-]+/g, '-')}-${randomBytes(3).toString('hex')}`;
  const cert = await issueClientCert({ certPem: caPem, keyPem: await readFile(caKeyPath, 'utf8') }, user, [
    'system:masters',
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-suite-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml(url, caPem, user, cert), { mode: 0o600 });
  return { user, kubeconfigPath, dir };
}

/** From the audit log: what `user` created (2xx answers only). */
function createdByUser(log: AuditLog, user: string): Created {
  return async () => {
    const creates = log
      .requests()
      // A server-side apply that creates is a `patch` answered 201.
      .filter(
        (r) =>
          r.user === user &&
          r.name &&
          ((r.verb === 'create' && r.code >= 200 && r.code < 300) || (r.verb === 'patch' && r.code === 201)),
      );
    return {
      namespaces: [...new Set(creates.filter((r) => r.resource === 'namespaces').map((r) => r.name as string))],
      clusterObjects: creates
        .filter((r) => r.group.endsWith('lockstep.dev') && !r.namespace && !r.subresource)
        .map((r) => ({ crd: `${r.resource}.${r.group}`, name: r.name as string })),
    };
  };
}

/** Without an identity of its own: whatever appeared while the suite held the cluster. */
async function createdWhileHeld(kc: KubeConfig): Promise<Created> {
  const startedAt = new Date(Date.now() - 1000);
  const before = await clusterContents(kc);
  return async () => {
    const now = await clusterContents(kc);
    const isNew = (created: Date | undefined) => created !== undefined && created >= startedAt;
    return {
      namespaces: [...now.namespaces.entries()]
        .filter(([name, created]) => !before.namespaces.has(name) && isNew(created))
        .map(([name]) => name),
      clusterObjects: [...now.clusterObjects.entries()]
        .filter(([key, created]) => !before.clusterObjects.has(key) && isNew(created))
        .map(([key]) => ({ crd: key.split('/')[0] as string, name: key.split('/')[1] as string })),
    };
  };
}

interface Contents {
  namespaces: Map<string, Date | undefined>;
  clusterObjects: Map<string, Date | undefined>;
}

async function clusterContents(kc: KubeConfig): Promise<Contents> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespaces = new Map(
    (await core.listNamespace()).items.map((n) => [n.metadata?.name ?? '', n.metadata?.creationTimestamp]),
  );
  const clusterObjects = new Map<string, Date | undefined>();
  for (const crd of await lockstepCrds(kc, 'Cluster')) {
    const { group, plural, version } = crdCoordinates(crd);
    const list = (await custom.listClusterCustomObject({ group, version, plural })) as {
      items: { metadata: { name: string; creationTimestamp?: string } }[];
    };
    for (const item of list.items) {
      const created = item.metadata.creationTimestamp ? new Date(item.metadata.creationTimestamp) : undefined;
      clusterObjects.set(`${crd.metadata?.name}/${item.metadata.name}`, created);
    }
  }
  return { namespaces, clusterObjects };
}

/**
 * Deletes what the suite created, then waits until its namespaces are gone so the next suite
 * can reuse fixed names. The suite's controller must still run here: it removes its
 * finalizers (and revokes leases) as the objects go.
 */
async function removeCreated(kc: KubeConfig, created: CreatedObjects): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crds = new Map((await lockstepCrds(kc, 'Cluster')).map((c) => [c.metadata?.name ?? '', c]));
  for (const { crd, name } of created.clusterObjects) {
    const def = crds.get(crd);
    if (!def) continue;
    await custom.deleteClusterCustomObject({ ...crdCoordinates(def), name }).catch(() => {});
  }
  const namespaces = created.namespaces;
  await Promise.all(namespaces.map((name) => core.deleteNamespace({ name }).catch(() => {})));
  await waitUntilNamespacesGone(
    kc,
    (n) => namespaces.includes(n.metadata?.name ?? ''),
    (left) => `cleanup: namespaces still terminating after ${CLEANUP_TIMEOUT_MS / 1000} s: ${left.join(', ')}`,
  );
}

async function waitForTerminatingNamespaces(kc: KubeConfig): Promise<void> {
  await waitUntilNamespacesGone(
    kc,
    (n) => n.status?.phase === 'Terminating',
    (left) => `namespaces left terminating by an earlier suite: ${left.join(', ')}`,
  );
}

/**
 * Polls until no namespace `which` selects is left. Past FINALIZER_GRACE_MS it drops the Lockstep
 * finalizers in those left (once); past CLEANUP_TIMEOUT_MS it throws `failure(left)`.
 */
async function waitUntilNamespacesGone(
  kc: KubeConfig,
  which: (namespace: V1Namespace) => boolean,
  failure: (left: string[]) => string,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const started = Date.now();
  let finalizersDropped = false;
  for (;;) {
    const left = (await core.listNamespace()).items.filter(which).map((n) => n.metadata?.name ?? '');
    if (left.length === 0) return;
    if (!finalizersDropped && Date.now() - started > FINALIZER_GRACE_MS) {
      finalizersDropped = true;
      await dropLockstepFinalizers(kc, left);
    }
    if (Date.now() - started > CLEANUP_TIMEOUT_MS) throw new Error(failure(left));
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function dropLockstepFinalizers(kc: KubeConfig, namespaces: string[]): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const crd of await lockstepCrds(kc, 'Namespaced')) {
    const { group, plural, version } = crdCoordinates(crd);
    for (const namespace of namespaces) {
      const list = (await custom.listNamespacedCustomObject({ group, version, namespace, plural })) as {
        items: { metadata: { name: string; finalizers?: string[] } }[];
      };
      for (const item of list.items.filter((i) => (i.metadata.finalizers ?? []).length > 0)) {
        await custom
          .patchNamespacedCustomObject({
            group,
            version,
            namespace,
            plural,
            name: item.metadata.name,
            body: [{ op: 'remove', path: '/metadata/finalizers' }],
          })
          .catch(() => {});
      }
    }
  }
}

async function lockstepCrds(kc: KubeConfig, scope: 'Cluster' | 'Namespaced'): Promise<V1CustomResourceDefinition[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  return (await api.listCustomResourceDefinition()).items.filter(
    (c) => c.spec.scope === scope && c.spec.group.endsWith('lockstep.dev'),
  );
}
