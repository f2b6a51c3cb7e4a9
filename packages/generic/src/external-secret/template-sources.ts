// `target.templateFrom`: ConfigMaps and Secrets of the ExternalSecret's own namespace.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { BackendError, type SecretApi } from '@lockstep/core';
import { kubeRead } from './kube-read.ts';
import type { TemplateSources } from './render-target.ts';

export function clientTemplateSources(kc: KubeConfig, secretApi: SecretApi): (namespace: string) => TemplateSources {
  const core = kc.makeApiClient(CoreV1Api);
  return (namespace) => ({
    configMap: async (name) => {
      const map = await kubeRead({ verb: 'read', kind: 'template ConfigMap', name, namespace }, 'templateFrom', () =>
        core.readNamespacedConfigMap({ namespace, name }),
      );
      return map.data ?? {};
    },
    secret: async (name) => {
      const s = await secretApi.get(namespace, name);
      if (!s) {
        throw new BackendError(
          'InvalidInput',
          'kubernetes',
          `template Secret "${name}" not found in namespace "${namespace}": create it or fix templateFrom`,
        );
      }
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    },
  });
}
