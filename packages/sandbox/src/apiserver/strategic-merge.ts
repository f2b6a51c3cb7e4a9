/**
 * Strategic merge patch (application/strategic-merge-patch+json) for the built-in kinds the sandbox serves.
 * kube reads the merge keys from Go struct tags; we carry the few the operator and its tests touch, keyed by the
 * field path (see `listStrategy`). Lists not in the table, and every list of an unknown kind, are replaced whole,
 * which is also RFC 7386 JSON merge patch behaviour.
 */

type JsonObject = Record<string, unknown>;

/** How a list at a field path merges: by a key field, as a set of primitives, or atomically (undefined). */
export type ListStrategy = { mergeKey: string } | { set: true } | undefined;

/** Built-in kinds whose lists follow the strategy table; anything else gets RFC 7386 merge semantics. */
export const STRATEGIC_KINDS: ReadonlySet<string> = new Set([
  'Pod',
  'PodTemplate',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Service',
  'Secret',
  'ConfigMap',
  'ServiceAccount',
  'Namespace',
  'Node',
  'Event',
  'Lease',
  'Endpoints',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const CONTAINER_FIELD_KEYS: Record<string, string> = {
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};
const POD_SPEC_KEYS: Record<string, string> = { volumes: 'name', imagePullSecrets: 'name', hostAliases: 'ip' };

/**
 * The merge strategy of the list at `path` (field names from the object root, no indices), from the
 * `patchStrategy`/`patchMergeKey` tags of the Kubernetes types (containers by name, env by name, ports by
 * containerPort, volumeMounts by mountPath, ownerReferences by uid, finalizers as a set, conditions by type, Service
 * ports by port). Also used by server-side apply, which has no OpenAPI list-map-keys here.
 */
export function listStrategy(path: readonly string[]): ListStrategy {
  const last = path.at(-1);
  const parent = path.at(-2);
  if (last === undefined) return undefined;
  if (parent === 'metadata' && last === 'ownerReferences') return { mergeKey: 'uid' };
  if (parent === 'metadata' && last === 'finalizers') return { set: true };
  if (CONTAINER_LISTS.has(last)) return { mergeKey: 'name' };
  if (parent && CONTAINER_LISTS.has(parent)) {
    const key = CONTAINER_FIELD_KEYS[last];
    return key ? { mergeKey: key } : undefined;
  }
  if (parent === 'spec' && POD_SPEC_KEYS[last]) return { mergeKey: POD_SPEC_KEYS[last] };
  if (parent === 'status' && last === 'conditions') return { mergeKey: 'type' };
  if (path.length === 2 && parent === 'spec' && last === 'ports') return { mergeKey: 'port' };
  return undefined;
}

export function strategicMergePatch(original: object, patch: object, kind: string): object {
  if (!STRATEGIC_KINDS.has(kind)) return jsonMergePatch(original, patch) as object;
  const merged = mergeObject(structuredClone(original) as JsonObject, patch as JsonObject, []);
  return merged ?? {};
}

/** RFC 7386: objects merge recursively, null deletes, everything else (lists included) replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = jsonMergePatch(result[key], value);
  }
  return result;
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function isDirective(key: string): boolean {
  return key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER) || key.startsWith(DELETE_FROM);
}

/** Merges `patch` into `target` (mutated); returns undefined when the patch deletes the whole map. */
function mergeObject(target: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return clean(patch) as JsonObject;
  for (const [key, value] of Object.entries(patch)) {
    if (isDirective(key)) continue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = target[key];
    const childPath = [...path, key];
    if (isObject(value)) {
      const merged = isObject(current) ? mergeObject(current, value, childPath) : mergeObject({}, value, childPath);
      if (merged === undefined) delete target[key];
      else target[key] = merged;
    } else if (Array.isArray(value)) {
      target[key] = mergeList(Array.isArray(current) ? current : [], value, listStrategy(childPath), childPath);
    } else {
      target[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    // $setElementOrder only fixes the order of the merged list; the order is accepted and not applied.
    if (key.startsWith(DELETE_FROM) && Array.isArray(value)) {
      const field = key.slice(DELETE_FROM.length);
      const list = target[field];
      if (Array.isArray(list)) target[field] = list.filter((item) => !value.some((v) => sameValue(v, item)));
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const retain = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(target)) if (!retain.has(key)) delete target[key];
  }
  return target;
}

function mergeList(current: unknown[], patch: unknown[], strategy: ListStrategy, path: string[]): unknown[] {
  // A `{"$patch": "replace"}` element makes the rest of the patch list the new list.
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace')).map(clean);
  }
  if (strategy && 'set' in strategy) {
    const result = [...current];
    for (const item of patch) if (!result.some((v) => sameValue(v, item))) result.push(item);
    return result;
  }
  if (!strategy) return patch.map(clean);
  const key = strategy.mergeKey;
  const result = [...current];
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined) {
      result.push(clean(item));
      continue;
    }
    const index = result.findIndex((existing) => isObject(existing) && sameValue(existing[key], item[key]));
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index < 0) {
      result.push(clean(item));
      continue;
    }
    const merged = mergeObject(result[index] as JsonObject, item, path);
    if (merged === undefined) result.splice(index, 1);
    else result[index] = merged;
  }
  return result;
}

/** A value that enters the result from the patch: directives removed, nulls dropped as in RFC 7386. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (isDirective(key) || child === null) continue;
    out[key] = clean(child);
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
