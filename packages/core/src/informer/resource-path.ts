/** What an informer watches: a resource type, optionally within one namespace. */
export interface ResourceRef {
  /** `v1` for the core group, `group/version` otherwise. */
  apiVersion: string;
  kind: string;
  /** Lower-case plural as in the URL, e.g. `secrets`, `externalsecrets`. */
  plural: string;
  /** Watch only this namespace; all namespaces when absent. */
  namespace?: string;
}

/** The collection URL path of a resource, e.g. `/apis/external.lockstep.dev/v1/namespaces/a/externalsecrets`. */
export function collectionPath(ref: ResourceRef): string {
  const root = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const scope = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${root}${scope}/${ref.plural}`;
}
