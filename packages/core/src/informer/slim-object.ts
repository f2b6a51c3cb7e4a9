// What an informer keeps of each object. client-node's ListWatch caches whole objects, and at
// 10,000 ExternalSecrets (plus their Secrets) much of the heap was bookkeeping no reconciler
// reads: `metadata.managedFields` (one FieldsV1 tree per field manager) and kubectl's
// last-applied annotation (a second copy of the whole spec). They are dropped as objects enter
// the cache; `cache-fields.test.ts` (generic) fails when the ExternalSecret reconciler's
// outcome depends on one.
//
// An update sent without managedFields keeps the server's (the API server takes the live ones
// when a request has none). Secrets keep the last-applied annotation: the Secret writer
// replaces a Secret whole, keeping the annotations others put there, and would drop it.

import type { KubernetesObject } from '@kubernetes/client-node';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object without managedFields and the last-applied annotation; the object itself is changed and returned. */
export function slimObject<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (!metadata) return obj;
  if (metadata.managedFields !== undefined) delete metadata.managedFields;
  const annotations = obj.kind === 'Secret' ? undefined : metadata.annotations;
  if (annotations && LAST_APPLIED_ANNOTATION in annotations) delete annotations[LAST_APPLIED_ANNOTATION];
  return obj;
}
