// Step "record" writes status in one place: one merge patch on the `/status` subresource.

import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type KubeCallTarget, kubeCall } from '../errors/kube-call.ts';

export interface StatusTarget {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name: string;
}

export interface StatusPatcher {
  /** Merge-patches `status`; lists (conditions) are replaced whole, as merge patch does. */
  patchStatus(target: StatusTarget, status: object): Promise<void>;
  /** Merge-patches `metadata` (finalizers); used only where status is not enough. */
  patchMetadata(target: StatusTarget, metadata: object): Promise<void>;
}

export function clientStatusPatcher(kc: KubeConfig): StatusPatcher {
  const api = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    async patchStatus(t, status) {
      await kubeCall(about('update the status of', t), () =>
        t.namespace
          ? api.patchNamespacedCustomObjectStatus({ ...t, namespace: t.namespace, body: { status } }, merge)
          : api.patchClusterCustomObjectStatus({ ...t, body: { status } }, merge),
      );
    },
    async patchMetadata(t, metadata) {
      await kubeCall(about('update', t), () =>
        t.namespace
          ? api.patchNamespacedCustomObject({ ...t, namespace: t.namespace, body: { metadata } }, merge)
          : api.patchClusterCustomObject({ ...t, body: { metadata } }, merge),
      );
    },
  };
}

/** The object as the message names it: `cannot update the status of externalsecrets "db" in namespace "apps"`. */
function about(verb: string, t: StatusTarget): KubeCallTarget {
  return { verb, kind: t.plural, name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) };
}
