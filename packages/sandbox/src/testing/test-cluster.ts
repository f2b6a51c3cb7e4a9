// The Kubernetes cluster an end-to-end suite runs on: the real control plane `make test`
// starts (KUBECONFIG and LOCKSTEP_AUDIT_LOG from the global setup), or any cluster named by
// LOCKSTEP_TEST_KUBECONFIG. A suite holds the cluster alone while it runs and removes what it
// created (namespaces and cluster-scoped Lockstep objects) before it lets the next one in.
import { copyFile } from 'node:fs/promises';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import type { RequestLogEntry } from '../apiserver/request-log.ts';
import { AuditLog } from '../control-plane/audit-log.ts';
import { lockCluster } from './suite-lock.ts';

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
  /** Deletes what the suite created and waits until it is gone (while the suite's controller still runs). */
  cleanUp(): Promise<void>;
  /** Lets the next suite in. */
  release(): Promise<void>;
  /** cleanUp, then release. */
  stop(): Promise<void>;
}

const CLEANUP_TIMEOUT_MS = 90_000;

export async function acquireTestCluster(suite: string): Promise<TestCluster> {
  const kubeconfigPath = process.env.LOCKSTEP_TEST_KUBECONFIG ?? process.env.KUBECONFIG;
  if (!kubeconfigPath) {
    throw new Error(
      'no cluster for the end-to-end suites: run them with ' +
        '--test-global-setup=packages/sandbox/src/testing/global-setup.ts (as `make test` does), ' +
        'or set LOCKSTEP_TEST_KUBECONFIG to a test cluster (docs/sandbox.md).',
    );
  }
  const auditPath = process.env.LOCKSTEP_TEST_KUBECONFIG
    ? process.env.LOCKSTEP_TEST_AUDIT_LOG
    : process.env.LOCKSTEP_AUDIT_LOG;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const cluster = kc.getCurrentCluster();
  const url = cluster?.server ?? '';
  const caPem = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : '';
  const release = await lockCluster(url, suite);
  const startedAt = new Date(Date.now() - 1000);
  const before = await clusterContents(kc);
  const audit = auditPath ? new AuditLog(auditPath) : undefined;
  audit?.clear();
  const needAudit = (): AuditLog => {
    if (!audit) {
      throw new Error(
        "this check counts API requests from kube-apiserver's audit log; set LOCKSTEP_TEST_AUDIT_LOG to the log of the cluster in LOCKSTEP_TEST_KUBECONFIG",
      );
    }
    return audit;
  };
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => {
    cleaned ??= removeCreated(kc, before, startedAt);
    return cleaned;
  };
  return {
    url,
    caPem,
    kc,
    kubeconfig: () => kc.exportConfig(),
    writeKubeconfig: (path) => copyFile(kubeconfigPath, path),
    requests: () => needAudit().requests(),
    clearRequests: () => needAudit().clear(),
    cleanUp,
    release,
    stop: () => cleanUp().finally(release),
  };
}

interface Contents {
  namespaces: Set<string>;
  clusterObjects: Set<string>;
}

/** Namespaces and cluster-scoped Lockstep objects that exist now (the suite leaves these alone). */
async function clusterContents(kc: KubeConfig): Promise<Contents> {
  const core = kc.makeApiClient(CoreV1Api);
  const namespaces = new Set((await core.listNamespace()).items.map((n) => n.metadata?.name ?? ''));
  const clusterObjects = new Set<string>();
  for (const crd of await clusterScopedLockstepCrds(kc)) {
    for (const name of await listClusterObjects(kc, crd)) clusterObjects.add(`${crd.metadata?.name}/${name}`);
  }
  return { namespaces, clusterObjects };
}

/**
 * Deletes namespaces and cluster-scoped Lockstep objects that appeared while the suite held
 * the cluster (created after it started and absent before), then waits until they are gone
 * so the next suite can reuse fixed names. The suite's controller must still run here: it
 * removes its finalizers (and revokes leases) as the objects go.
 */
async function removeCreated(kc: KubeConfig, before: Contents, startedAt: Date): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const isNew = (created: Date | undefined) => created !== undefined && created >= startedAt;
  const crds = await clusterScopedLockstepCrds(kc);
  for (const crd of crds) {
    const { group, plural, version } = crdCoordinates(crd);
    const items = (await custom.listClusterCustomObject({ group, version, plural })) as {
      items: { metadata: { name: string; creationTimestamp?: string } }[];
    };
    for (const item of items.items) {
      const created = item.metadata.creationTimestamp ? new Date(item.metadata.creationTimestamp) : undefined;
      if (before.clusterObjects.has(`${crd.metadata?.name}/${item.metadata.name}`) || !isNew(created)) continue;
      await custom.deleteClusterCustomObject({ group, version, plural, name: item.metadata.name }).catch(() => {});
    }
  }
  const namespaces = (await core.listNamespace()).items
    .filter((n) => !before.namespaces.has(n.metadata?.name ?? '') && isNew(n.metadata?.creationTimestamp))
    .map((n) => n.metadata?.name ?? '');
  await Promise.all(namespaces.map((name) => core.deleteNamespace({ name }).catch(() => {})));
  const deadline = Date.now() + CLEANUP_TIMEOUT_MS;
  for (;;) {
    const left = (await core.listNamespace()).items.filter((n) => namespaces.includes(n.metadata?.name ?? ''));
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `cleanup: namespaces still terminating after ${CLEANUP_TIMEOUT_MS / 1000} s: ${left.map((n) => n.metadata?.name).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function clusterScopedLockstepCrds(kc: KubeConfig): Promise<V1CustomResourceDefinition[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  return (await api.listCustomResourceDefinition()).items.filter(
    (c) => c.spec.scope === 'Cluster' && c.spec.group.endsWith('lockstep.dev'),
  );
}

async function listClusterObjects(kc: KubeConfig, crd: V1CustomResourceDefinition): Promise<string[]> {
  const { group, plural, version } = crdCoordinates(crd);
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group, version, plural })) as {
    items: { metadata: { name: string } }[];
  };
  return list.items.map((i) => i.metadata.name);
}

function crdCoordinates(crd: V1CustomResourceDefinition): { group: string; plural: string; version: string } {
  const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? 'v1';
  return { group: crd.spec.group, plural: crd.spec.names.plural, version };
}
