// Reads every Lockstep resource and the Secrets they target from the API server, and
// keeps only the Secrets' key names: values are dropped as soon as a list arrives.

import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { DemoRow } from './demo-row.ts';
import { DEMO_KINDS, type ResourceObject, type ServedKinds, toRow } from './resource-rows.ts';

export interface RowCollector {
  collect(served: ServedKinds): Promise<DemoRow[]>;
}

export function rowCollector(kc: KubeConfig): RowCollector {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async collect(served) {
      const [lists, keys] = await Promise.all([
        Promise.all(
          DEMO_KINDS.map(async (info) => {
            try {
              const list = (await custom.listClusterCustomObject({
                group: info.group,
                version: info.version,
                plural: info.plural,
              })) as { items?: ResourceObject[] };
              return { info, items: list.items ?? [] };
            } catch (err) {
              // A kind whose CRD is not installed simply has no rows.
              if (err instanceof ApiException && err.code === 404) return { info, items: [] };
              throw err;
            }
          }),
        ),
        secretKeys(core),
      ]);
      const keysOf = (namespace: string, name: string) => keys.get(`${namespace}/${name}`);
      return lists.flatMap(({ info, items }) =>
        [...items].sort(byNamespaceAndName).map((obj) => toRow(info, obj, keysOf, served)),
      );
    },
  };
}

async function secretKeys(core: CoreV1Api): Promise<Map<string, string[]>> {
  const list = await core.listSecretForAllNamespaces();
  const keys = new Map<string, string[]>();
  for (const s of list.items) {
    const id = `${s.metadata?.namespace}/${s.metadata?.name}`;
    keys.set(id, Object.keys({ ...s.data, ...s.stringData }).sort());
  }
  return keys;
}

function byNamespaceAndName(a: ResourceObject, b: ResourceObject): number {
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka.localeCompare(kb);
}
