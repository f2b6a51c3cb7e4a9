import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  loadAllYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

/** Creates (or replaces) every CRD in `dirs` and waits until each is Established. */
export async function applyCrds(kubeconfig: string, dirs: string[], timeoutMs = 60_000): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crds: V1CustomResourceDefinition[] = [];
  for (const dir of dirs) {
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
      const docs = loadAllYaml(await readFile(join(dir, file), 'utf8')) as V1CustomResourceDefinition[];
      crds.push(...docs.filter((d) => d?.kind === 'CustomResourceDefinition'));
    }
  }
  await Promise.all(crds.map((crd) => createOrReplace(api, crd)));
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name });
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
        // Established comes before the resource's watch cache is filled; until then lists answer
        // 429 "storage is (re)initializing". Served means a list succeeds.
        if (await listable(custom, crd)) break;
      }
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function createOrReplace(api: ApiextensionsV1Api, crd: V1CustomResourceDefinition): Promise<void> {
  try {
    await api.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
    const name = crd.metadata?.name ?? '';
    const current = await api.readCustomResourceDefinition({ name });
    await api.replaceCustomResourceDefinition({
      name,
      body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } },
    });
  }
}

async function listable(custom: CustomObjectsApi, crd: V1CustomResourceDefinition): Promise<boolean> {
  try {
    await custom.listClusterCustomObject({ ...crdCoordinates(crd), limit: 1 });
    return true;
  } catch (err) {
    if (err instanceof ApiException && err.code === 429) return false;
    throw err;
  }
}

/** Where a CRD's objects are served: its group, plural and storage version. */
export function crdCoordinates(crd: V1CustomResourceDefinition): { group: string; plural: string; version: string } {
  const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? 'v1';
  return { group: crd.spec.group, plural: crd.spec.names.plural, version };
}
