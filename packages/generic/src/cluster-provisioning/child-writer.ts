import { CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isNotFound, kubeCall } from '@lockstep/core';
import type { ChildWriter } from './reconcile-provisioner.ts';

/** Creates, replaces and deletes the children of a provisioner; errors say what the API server said. */
export function clientChildWriter<C extends KubernetesObject>(
  kc: KubeConfig,
  child: { kind: string; plural: string },
): ChildWriter<C> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const target = { group: 'external.lockstep.dev', version: 'v1', plural: child.plural };
  const about = (verb: string, namespace: string, name: string | undefined) => ({
    verb,
    kind: child.kind,
    ...(name ? { name } : {}),
    namespace,
  });
  return {
    create: async (namespace, body) => {
      await kubeCall(about('create', namespace, body.metadata?.name), () =>
        api.createNamespacedCustomObject({ ...target, namespace, body }),
      );
    },
    replace: async (namespace, name, body) => {
      await kubeCall(about('update', namespace, name), () =>
        api.replaceNamespacedCustomObject({ ...target, namespace, name, body }),
      );
    },
    // Gone already is what a delete wants.
    delete: (namespace, name) =>
      kubeCall(about('delete', namespace, name), () =>
        api.deleteNamespacedCustomObject({ ...target, namespace, name }),
      ).then(
        () => undefined,
        (err: unknown) => {
          if (!isNotFound(err)) throw err;
        },
      ),
  };
}
