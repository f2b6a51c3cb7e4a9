// The writes the Secret writer needs, behind a narrow interface so reconcilers can be
// tested with a fake; `clientSecretApi` is the real one over @kubernetes/client-node.

import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '../errors/backend-error.ts';
import { kubeCall } from '../errors/kube-call.ts';

export interface SecretApi {
  get(namespace: string, name: string): Promise<V1Secret | undefined>;
  create(namespace: string, body: V1Secret): Promise<V1Secret>;
  /** Optimistic: the body's resourceVersion must be current, else BackendError Conflict. */
  replace(namespace: string, name: string, body: V1Secret): Promise<V1Secret>;
  /** `preconditions`: delete only that very Secret (not one recreated under the same name since). */
  delete(namespace: string, name: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void>;
}

export function clientSecretApi(kc: KubeConfig): SecretApi {
  const core = kc.makeApiClient(CoreV1Api);
  const secret = (verb: string, namespace: string, name: string | undefined) => ({
    verb,
    kind: 'Secret',
    name,
    namespace,
  });
  return {
    get: (namespace, name) =>
      kubeCall(secret('read', namespace, name), () => core.readNamespacedSecret({ namespace, name })).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }),
    create: (namespace, body) =>
      kubeCall(secret('create', namespace, body.metadata?.name), () =>
        core.createNamespacedSecret({ namespace, body }),
      ),
    replace: (namespace, name, body) =>
      kubeCall(secret('update', namespace, name), () => core.replaceNamespacedSecret({ namespace, name, body })),
    delete: async (namespace, name, preconditions) => {
      await kubeCall(secret('delete', namespace, name), () =>
        core.deleteNamespacedSecret({ namespace, name, ...(preconditions ? { body: { preconditions } } : {}) }),
      ).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    },
  };
}
