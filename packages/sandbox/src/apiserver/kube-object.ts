/** The parts of ObjectMeta the server reads and writes; everything else passes through untouched. */
export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [key: string]: unknown;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
};

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Turns a decoded request body into an object with metadata, or undefined if it is not an object. */
export function asKubeObject(v: unknown): KubeObject | undefined {
  if (!isRecord(v)) return undefined;
  if (v.metadata === undefined || v.metadata === null) v.metadata = {};
  if (!isRecord(v.metadata)) return undefined;
  return v as KubeObject;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Everything but metadata and (optionally) status: a change here bumps metadata.generation. */
export function specOf(obj: KubeObject, withStatus: boolean): Record<string, unknown> {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return withStatus ? { ...rest, status } : rest;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Reads a dotted path (`spec.template`) from an object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Finalizers that keep a deleted object alive; a Namespace also waits for its spec.finalizers. */
export function hasPendingFinalizers(obj: KubeObject): boolean {
  if (obj.metadata.finalizers?.length) return true;
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1' && isRecord(obj.spec)) {
    const f = obj.spec.finalizers;
    return Array.isArray(f) && f.length > 0;
  }
  return false;
}
