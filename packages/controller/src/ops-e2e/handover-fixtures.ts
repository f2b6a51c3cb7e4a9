// What the leader-handover-under-load test sets up and reads back: many fake-store
// ExternalSecrets spread over namespaces, and a wave of VaultDynamicSecrets issued together so
// their renewals fall due together. Reads go through the Kubernetes API as a user's would.

import { ensureNamespace } from '@lockstep/sandbox';
import { externalSecret, secretStore } from '../testing/external-resources.ts';
import { dynamicSecret, type Ops, waitFor } from './ops-harness.ts';
import { secretWriteRequests, succeeded } from './secret-writes.ts';

const LABEL = 'lockstep.dev/test-handover';

export interface SyncFixtures {
  /** Value of label LABEL on every ExternalSecret of this run. */
  label: string;
  namespaces: string[];
  /** Remote value each target Secret must hold, keyed `namespace/name`. */
  expected: Map<string, string>;
  /** Creates the ExternalSecrets, `parallel` requests at a time. */
  createExternalSecrets(parallel: number): Promise<void>;
}

/** `perNamespace` ExternalSecrets in each of `namespaceCount` namespaces, each reading its own key of the namespace's fake store. */
export async function handoverFixtures(ops: Ops, namespaceCount: number, perNamespace: number): Promise<SyncFixtures> {
  const label = ops.unique('sync');
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => ops.unique(`handover-${i}`));
  const expected = new Map<string, string>();
  const pending: Array<{ namespace: string; name: string; key: string }> = [];
  for (const namespace of namespaces) {
    await ensureNamespace(ops.kc, namespace);
    const data = Array.from({ length: perNamespace }, (_, i) => ({ key: `k-${i}`, value: `remote-${namespace}-${i}` }));
    await ops.create(secretStore(namespace, 'fake', { fake: { data } }));
    for (const [i, entry] of data.entries()) {
      const name = `es-${String(i).padStart(3, '0')}`;
      expected.set(`${namespace}/${name}`, entry.value);
      pending.push({ namespace, name, key: entry.key });
    }
  }
  return {
    label,
    namespaces,
    expected,
    async createExternalSecrets(parallel) {
      let next = 0;
      const worker = async () => {
        for (let item = pending[next++]; item; item = pending[next++]) {
          const spec = {
            // Hourly: nothing refreshes during the test, so any later write would be a repeat.
            refreshInterval: '1h',
            secretStoreRef: { name: 'fake' },
            target: { name: item.name },
            data: [{ secretKey: 'value', remoteRef: { key: item.key } }],
          };
          await ops.create(externalSecret(item.namespace, item.name, spec, { labels: { [LABEL]: label } }));
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
    },
  };
}

/** How many ExternalSecrets of the run say Ready=True. */
export async function readyExternalSecrets(ops: Ops, label: string): Promise<number> {
  const list = (await ops.custom.listClusterCustomObject({
    group: 'external.lockstep.dev',
    version: 'v1',
    plural: 'externalsecrets',
    labelSelector: `${LABEL}=${label}`,
  })) as { items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> };
  return list.items.filter((es) => es.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .length;
}

/** Compares every target Secret with its remote value; answers the names (never the values) that differ. */
export async function syncedValues(ops: Ops, fixtures: SyncFixtures): Promise<{ checked: number; wrong: string[] }> {
  const wrong: string[] = [];
  let checked = 0;
  for (const namespace of fixtures.namespaces) {
    const list = await ops.core.listNamespacedSecret({ namespace, labelSelector: 'lockstep.dev/managed=true' });
    const held = new Map(
      list.items.map((s) => [s.metadata?.name ?? '', Buffer.from(s.data?.value ?? '', 'base64').toString('utf8')]),
    );
    for (const [key, value] of fixtures.expected) {
      const [ns, name] = key.split('/') as [string, string];
      if (ns !== namespace) continue;
      checked++;
      if (held.get(name) !== value) wrong.push(key);
    }
  }
  return { checked, wrong };
}

export interface VdsStatus {
  name: string;
  leaseId: string | undefined;
  /** status.lastRenewalTime (Unix seconds); absent until the first renewal. */
  lastRenewalTime: number | undefined;
}

export async function vdsStatuses(ops: Ops, namespace: string): Promise<VdsStatus[]> {
  const list = (await ops.custom.listNamespacedCustomObject({
    group: 'vault.lockstep.dev',
    version: 'v1beta1',
    namespace,
    plural: 'vaultdynamicsecrets',
  })) as {
    items: Array<{ metadata: { name: string }; status?: { secretLease?: { id?: string }; lastRenewalTime?: number } }>;
  };
  return list.items.map((o) => ({
    name: o.metadata.name,
    leaseId: o.status?.secretLease?.id,
    lastRenewalTime: o.status?.lastRenewalTime,
  }));
}

interface Restarts {
  restartedAt: string | undefined;
  generation: number | undefined;
}

export interface LeaseWave {
  namespace: string;
  dbRole: string;
  /** The PostgreSQL roles issued, one per VaultDynamicSecret. */
  roles: string[];
  /** Each VaultDynamicSecret's status once all were Ready, by name. */
  before: Map<string, VdsStatus>;
  restartsBefore: Restarts;
  restarts(): Promise<Restarts>;
  /** Successful writes (`verb name`) to Secrets of the wave's namespace since it was Ready. */
  rewrittenSecrets(): Promise<string[]>;
}

/** `count` VaultDynamicSecrets on one database role, created at once (so their renewals fall due together), all restarting Deployment `api`. */
export async function leaseWave(
  ops: Ops,
  count: number,
  opts: { ttl: string; renewalPercent: number },
): Promise<LeaseWave> {
  const { db, namespace } = await ops.databaseTenant({ defaultTtl: opts.ttl, maxTtl: '10m' });
  await ops.deployment(namespace, 'api');
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const obj = dynamicSecret(namespace, db, {
        renewalPercent: opts.renewalPercent,
        destination: { name: `db-creds-${i}`, create: true },
        rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }],
      });
      return ops.create({ ...obj, metadata: { name: `creds-${i}`, namespace } });
    }),
  );
  const issued = await waitFor(
    `${count} leases issued`,
    async () => {
      const all = await vdsStatuses(ops, namespace);
      return all.length === count && all.every((s) => s.leaseId) ? all : undefined;
    },
    60_000,
  );
  const restarts = async (): Promise<Restarts> => {
    const d = await ops.apps.readNamespacedDeployment({ namespace, name: 'api' });
    return { restartedAt: await ops.restartedAt(namespace, 'api'), generation: d.metadata?.generation };
  };
  const writes = () => secretWriteRequests(ops, [namespace]).filter(succeeded);
  const writtenBefore = (
    await waitFor(`${count} Secrets created`, () => (writes().length >= count ? writes() : undefined))
  ).length;
  return {
    namespace,
    dbRole: db.role,
    roles: await ops.pgRoles(db.role),
    before: new Map(issued.map((s) => [s.name, s])),
    restartsBefore: await restarts(),
    restarts,
    rewrittenSecrets: async () =>
      writes()
        .slice(writtenBefore)
        .map((r) => `${r.verb} ${r.name}`),
  };
}
