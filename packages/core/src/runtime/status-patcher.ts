// Step "record" writes status in one place: one merge patch on the `/status` subresource.

import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { BackendError, classifyHttpStatus } from '../errors/backend-error.ts';

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
      await wrap(`update status of ${t.plural} "${t.name}"`, () =>
        t.namespace
          ? api.patchNamespacedCustomObjectStatus({ ...t, namespace: t.namespace, body: { status } }, merge)
          : api.patchClusterCustomObjectStatus({ ...t, body: { status } }, merge),
      );
    },
    async patchMetadata(t, metadata) {
      await wrap(`update ${t.plural} "${t.name}"`, () =>
        t.namespace
          ? api.patchNamespacedCustomObject({ ...t, namespace: t.namespace, body: { metadata } }, merge)
          : api.patchClusterCustomObject({ ...t, body: { metadata } }, merge),
      );
    },
  };
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiException) {
      throw new BackendError(classifyHttpStatus(err.code), 'kubernetes', `${what}: HTTP ${err.code}`, { cause: err });
    }
    throw new BackendError('Unavailable', 'kubernetes', `${what}: ${(err as Error).message}`, { cause: err });
  }
}
