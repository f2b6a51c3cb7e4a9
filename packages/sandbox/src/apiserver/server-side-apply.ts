import { isDeepStrictEqual } from 'node:util';
import type { FieldCause } from './crd-schema.ts';
import { listStrategy } from './strategic-merge.ts';

/**
 * Server-side apply with kube's managedFields bookkeeping (FieldsV1), simplified where kube needs OpenAPI schemas:
 * - list merge keys come from the strategic-merge key table (`listStrategy`), other lists are atomic;
 * - every object is "granular" (kube treats some structs like `selector` as atomic);
 * - an object node is itself owned (`.`) when it is a keyed list item, an empty object or a well-known string map
 *   (labels, annotations, data…);
 * - a null in the applied configuration means "not set";
 * - managers are keyed by (manager, operation); subresources are not tracked.
 */

type JsonObject = Record<string, unknown>;

export type ApplyOptions = { fieldManager: string; force: boolean; kind: string; now: string };

export type ApplyResult = { object: object } | { conflicts: FieldCause[] };

export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: object;
  subresource?: string;
};

/** A path is FieldsV1 elements (`f:spec`, `k:{"name":"x"}`, `v:"x"`) joined by NUL; a field set holds paths. */
type FieldSet = Set<string>;
const SEP = '\u0000';

type Manager = { entry: ManagedFieldsEntry; set: FieldSet };

const MAP_FIELDS = new Set([
  'labels',
  'annotations',
  'data',
  'stringData',
  'binaryData',
  'matchLabels',
  'nodeSelector',
]);
// Fields the apiserver owns; kube strips them from every field set.
const SYSTEM_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

export function serverSideApply(live: object | undefined, applied: object, opts: ApplyOptions): ApplyResult {
  const config = withoutNulls(applied) as JsonObject;
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : 'v1';
  const applySet = fieldSetOf(config);
  const managers = live ? readManagers(live) : [];
  const self = managers.find((m) => m.entry.manager === opts.fieldManager && m.entry.operation === 'Apply');
  const previous = self?.set ?? new Set<string>();
  const others = managers.filter((m) => m !== self);

  const base = live ? (structuredClone(live) as JsonObject) : {};
  let merged = mergeValues(base, config, []) as JsonObject;

  // Conflicts: fields another manager owns whose value this apply would change.
  const conflicts: FieldCause[] = [];
  const conflicting = new Map<Manager, string[]>();
  for (const other of others) {
    for (const path of applySet) {
      if (!other.set.has(path) || !changed(base, merged, path)) continue;
      conflicts.push({
        reason: 'FieldManagerConflict',
        message: `conflict with "${other.entry.manager}" using ${other.entry.apiVersion}`,
        field: displayPath(path),
      });
      conflicting.set(other, [...(conflicting.get(other) ?? []), path]);
    }
  }
  if (conflicts.length > 0 && !opts.force) return { conflicts };
  for (const [other, paths] of conflicting) for (const path of paths) other.set.delete(path);

  // Fields this manager applied before and applies no more are removed unless someone else still owns them.
  const retained = [...applySet, ...others.flatMap((o) => [...o.set])];
  const dropped = [...previous].filter((path) => !applySet.has(path) && !others.some((o) => o.set.has(path)));
  // Parents first; a node that still holds someone's field stays and only its dropped children go.
  for (const path of dropped.sort((a, b) => a.length - b.length)) {
    if (!retained.some((kept) => kept.startsWith(path + SEP))) removePath(merged, path);
  }

  if (live) merged = restoreSystemMetadata(merged, live as JsonObject);
  const entry: ManagedFieldsEntry = {
    manager: opts.fieldManager,
    operation: 'Apply',
    apiVersion,
    time: opts.now,
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  };
  const next = self ? managers : [...managers, { entry, set: applySet }];
  const selfNext = next.find((m) => m.entry.manager === opts.fieldManager && m.entry.operation === 'Apply');
  if (selfNext) {
    selfNext.entry = { ...selfNext.entry, apiVersion, time: opts.now };
    selfNext.set = applySet;
  }
  return { object: writeManagers(merged, next) };
}

/**
 * Makes `manager` (a non-apply writer: create, update, patch) own the fields it set or changed from `live` to
 * `updated`; other managers lose the fields it changed, and everybody loses removed fields. Returns a copy of
 * `updated` with `metadata.managedFields` maintained. Managed fields sent by the client are kept when present,
 * like kube-apiserver does for a read-modify-write.
 */
export function recordUpdateManager(
  live: object | undefined,
  updated: object,
  manager: string,
  operation: 'Update',
  now: string,
): object {
  const before = (live ?? {}) as JsonObject;
  const after = structuredClone(updated) as JsonObject;
  const apiVersion = typeof after.apiVersion === 'string' ? after.apiVersion : 'v1';
  const sent = (after.metadata as JsonObject | undefined)?.managedFields;
  const managers = Array.isArray(sent) ? readManagers(after) : live ? readManagers(live) : [];
  const beforeSet = fieldSetOf(before);
  const afterSet = fieldSetOf(after);
  const touched = [...afterSet].filter((path) => !beforeSet.has(path) || changed(before, after, path));
  for (const m of managers) for (const path of touched) m.set.delete(path);
  let self = managers.find((m) => m.entry.manager === manager && m.entry.operation === operation);
  if (touched.length > 0) {
    if (!self) {
      self = {
        entry: { manager, operation, apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: {} },
        set: new Set(),
      };
      managers.push(self);
    }
    for (const path of touched) self.set.add(path);
    self.entry = { ...self.entry, apiVersion, time: now };
  }
  return writeManagers(after, managers);
}

// ---- merging ----

function mergeValues(live: unknown, applied: unknown, names: string[]): unknown {
  if (isObject(live) && isObject(applied)) {
    const out: JsonObject = { ...live };
    for (const [key, value] of Object.entries(applied)) {
      if (names.length === 1 && names[0] === 'metadata' && key === 'managedFields') continue;
      out[key] = mergeValues(live[key], value, [...names, key]);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const strategy = listStrategy(names);
    if (strategy && 'set' in strategy) {
      return [...live, ...applied.filter((v) => !live.some((l) => isDeepStrictEqual(l, v)))];
    }
    if (strategy && keyedItems(applied, strategy.mergeKey)) {
      const key = strategy.mergeKey;
      const out = [...live];
      for (const item of applied as JsonObject[]) {
        const index = out.findIndex((l) => isObject(l) && isDeepStrictEqual(l[key], item[key]));
        if (index >= 0) out[index] = mergeValues(out[index], item, names);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

// ---- field sets ----

function keyedItems(items: unknown[], key: string): boolean {
  return items.every((item) => isObject(item) && item[key] !== undefined);
}

/** The FieldsV1 paths a value sets (the system metadata kube strips excluded). */
function fieldSetOf(obj: JsonObject): FieldSet {
  const set: FieldSet = new Set();
  const walk = (value: unknown, path: string[], names: string[]): void => {
    if (isObject(value)) {
      const entries = Object.entries(value).filter(([key]) => !isSystemField(names, key));
      const itemOrMap = path.at(-1)?.startsWith('k:') || MAP_FIELDS.has(names.at(-1) ?? '');
      if (path.length > 0 && (Object.keys(value).length === 0 || itemOrMap)) set.add(path.join(SEP));
      for (const [key, child] of entries) walk(child, [...path, `f:${key}`], [...names, key]);
      return;
    }
    if (Array.isArray(value)) {
      const strategy = listStrategy(names);
      if (strategy && 'set' in strategy) {
        for (const item of value) set.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
        return;
      }
      if (strategy && keyedItems(value, strategy.mergeKey)) {
        for (const item of value as JsonObject[]) {
          walk(item, [...path, `k:${JSON.stringify({ [strategy.mergeKey]: item[strategy.mergeKey] })}`], names);
        }
        return;
      }
    }
    set.add(path.join(SEP));
  };
  walk(obj, [], []);
  return set;
}

function isSystemField(names: string[], key: string): boolean {
  if (names.length === 0) return key === 'apiVersion' || key === 'kind';
  return names.length === 1 && names[0] === 'metadata' && SYSTEM_METADATA.includes(key);
}

type Lookup = { found: boolean; value?: unknown; parent?: unknown; at?: string | number };

function lookup(root: unknown, path: string): Lookup {
  let cursor: Lookup = { found: true, value: root };
  for (const element of path.split(SEP)) {
    const node = cursor.value;
    const rest = element.slice(2);
    if (element.startsWith('f:')) {
      if (!isObject(node) || !(rest in node)) return { found: false };
      cursor = { found: true, value: node[rest], parent: node, at: rest };
    } else if (element.startsWith('k:')) {
      if (!Array.isArray(node)) return { found: false };
      const key = JSON.parse(rest) as JsonObject;
      const index = node.findIndex((item) => isObject(item) && Object.entries(key).every(([k, v]) => item[k] === v));
      if (index < 0) return { found: false };
      cursor = { found: true, value: node[index], parent: node, at: index };
    } else {
      if (!Array.isArray(node)) return { found: false };
      const wanted = JSON.parse(rest) as unknown;
      const index = node.findIndex((item) => isDeepStrictEqual(item, wanted));
      if (index < 0) return { found: false };
      cursor = { found: true, value: node[index], parent: node, at: index };
    }
  }
  return cursor;
}

/** Whether applying changes the field at `path`: for owned object nodes only their existence counts. */
function changed(before: unknown, after: unknown, path: string): boolean {
  const a = lookup(before, path);
  const b = lookup(after, path);
  if (a.found !== b.found) return true;
  if (isObject(a.value) && isObject(b.value) && Object.keys(b.value).length > 0) return false;
  return !isDeepStrictEqual(a.value, b.value);
}

function removePath(root: unknown, path: string): void {
  const hit = lookup(root, path);
  if (!hit.found) return;
  if (Array.isArray(hit.parent)) hit.parent.splice(hit.at as number, 1);
  else if (isObject(hit.parent)) delete hit.parent[hit.at as string];
}

/** `.spec.template.spec.containers[name="app"].image`, as kube prints conflicting fields. */
function displayPath(path: string): string {
  return path
    .split(SEP)
    .map((element) => {
      const rest = element.slice(2);
      if (element.startsWith('f:')) return `.${rest}`;
      if (element.startsWith('k:')) {
        const key = JSON.parse(rest) as JsonObject;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${rest}]`;
    })
    .join('');
}

// ---- FieldsV1 encoding ----

type Tree = { [element: string]: Tree };

export function fieldsV1FromSet(set: Iterable<string>): object {
  const root: Tree = {};
  const members: Tree[] = [];
  for (const path of set) {
    let node = root;
    for (const element of path.split(SEP)) {
      node[element] ??= {};
      node = node[element];
    }
    members.push(node);
  }
  // A member that also has children says so with `.`.
  for (const node of members) if (Object.keys(node).length > 0) node['.'] = {};
  return root;
}

export function setFromFieldsV1(fields: object): Set<string> {
  const set = new Set<string>();
  const walk = (node: Tree, path: string[]): void => {
    const children = Object.keys(node).filter((k) => k !== '.');
    if (path.length > 0 && (children.length === 0 || '.' in node)) set.add(path.join(SEP));
    for (const child of children) walk(node[child] as Tree, [...path, child]);
  };
  walk(fields as Tree, []);
  return set;
}

function readManagers(obj: object): Manager[] {
  const raw = ((obj as JsonObject).metadata as JsonObject | undefined)?.managedFields;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((e): e is ManagedFieldsEntry => isObject(e) && typeof e.manager === 'string')
    .map((entry) => ({ entry: { ...entry }, set: setFromFieldsV1(isObject(entry.fieldsV1) ? entry.fieldsV1 : {}) }));
}

function writeManagers(obj: JsonObject, managers: Manager[]): JsonObject {
  const metadata: JsonObject = isObject(obj.metadata) ? { ...obj.metadata } : {};
  // Only fields that still exist stay owned; managers left with nothing are dropped.
  const entries = managers
    .map((m) => ({ ...m, set: new Set([...m.set].filter((path) => lookup(obj, path).found)) }))
    .filter((m) => m.set.size > 0)
    .map((m) => ({ ...m.entry, fieldsType: 'FieldsV1' as const, fieldsV1: fieldsV1FromSet(m.set) }));
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

function restoreSystemMetadata(merged: JsonObject, live: JsonObject): JsonObject {
  const liveMeta = isObject(live.metadata) ? live.metadata : {};
  const metadata: JsonObject = isObject(merged.metadata) ? { ...merged.metadata } : {};
  for (const key of SYSTEM_METADATA) {
    if (key === 'managedFields') continue;
    if (key in liveMeta) metadata[key] = liveMeta[key];
    else delete metadata[key];
  }
  return { ...merged, metadata };
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = withoutNulls(child);
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
