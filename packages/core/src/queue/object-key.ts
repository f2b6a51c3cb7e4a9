// Queue keys are strings so de-duplication is plain Set membership; this is the one
// place that turns objects into keys and back.

export interface ObjectKey {
  /** Empty or absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** `namespace/name`, or `name` for cluster-scoped objects (the client-go convention). */
export function keyOf(ref: ObjectKey): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** The queue key of a Kubernetes object from its metadata. */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError('object has no metadata.name');
  return keyOf({ namespace: obj.metadata?.namespace ?? '', name });
}

export function parseObjectKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
