import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import type { ResourceRef } from './resource-path.ts';

export interface ListPageQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit: number;
  continueToken?: string | undefined;
}

export interface ListPage<T> {
  items: T[];
  resourceVersion: string | undefined;
  continueToken: string | undefined;
}

/** API groups client-node has typed models for; everything else is a custom resource. */
function isBuiltIn(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return true;
  const group = apiVersion.slice(0, slash);
  return !group.includes('.') || group.endsWith('.k8s.io');
}

type RawList = { items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } };

/**
 * Lists one page of a resource. Custom resources go through CustomObjectsApi because
 * KubernetesObjectApi.list deserialises an unknown list's metadata as ObjectMeta, which
 * drops `continue`: a paginated list of custom resources would stop after its first page.
 */
export function listPageFn<T extends KubernetesObject>(
  kc: KubeConfig,
  resource: ResourceRef,
): (q: ListPageQuery) => Promise<ListPage<T>> {
  const { apiVersion, kind, namespace, plural } = resource;
  if (isBuiltIn(apiVersion)) {
    const api = KubernetesObjectApi.makeApiClient(kc);
    return async (q) => {
      const page: KubernetesListObject<T> = await api.list<T>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        q.fieldSelector,
        q.labelSelector,
        q.limit,
        q.continueToken,
      );
      return {
        items: page.items,
        resourceVersion: page.metadata?.resourceVersion,
        continueToken: page.metadata?._continue || undefined,
      };
    };
  }
  const api = kc.makeApiClient(CustomObjectsApi);
  const [group = '', version = ''] = apiVersion.split('/');
  return async (q) => {
    const params = {
      group,
      version,
      plural,
      labelSelector: q.labelSelector,
      fieldSelector: q.fieldSelector,
      limit: q.limit,
      _continue: q.continueToken,
    };
    const raw = (await (namespace
      ? api.listNamespacedCustomObject({ ...params, namespace })
      : api.listClusterCustomObject(params))) as RawList;
    return {
      items: (raw.items ?? []) as T[],
      resourceVersion: raw.metadata?.resourceVersion,
      continueToken: raw.metadata?.continue || undefined,
    };
  };
}
