// Reading and deleting objects through the Kubernetes API as a user would, where "not found"
// is an answer (undefined) rather than an error.

import { ApiException, type CoreV1Api, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { Obj } from './external-resources.ts';

export interface KubeObjects {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj | undefined>;
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void>;
  /** The Secret's data decoded to strings, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export function kubeObjects(objects: KubernetesObjectApi, core: CoreV1Api): KubeObjects {
  return {
    get: (apiVersion, kind, namespace, name) =>
      unlessNotFound(
        async () => (await objects.read({ apiVersion, kind, metadata: { name, namespace } } as never)) as Obj,
      ),
    async remove(apiVersion, kind, namespace, name) {
      await unlessNotFound(() => objects.delete({ apiVersion, kind, metadata: { name, namespace } } as never));
    },
    secret: (namespace, name) =>
      unlessNotFound(async () => {
        const s = await core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      }),
  };
}

/** What `fn` answers, or undefined when the API server says 404. */
export async function unlessNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}
