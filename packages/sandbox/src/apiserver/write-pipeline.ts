import { randomInt, randomUUID } from 'node:crypto';
import { applyBuiltinRules, validateName } from './builtin-rules.ts';
import { type ServerContext, timestamp } from './context.ts';
import type { FieldCause } from './crd-schema.ts';
import { clone, deepEqual, hasPendingFinalizers, isRecord, type KubeObject, specOf } from './kube-object.ts';
import { apiVersionOf, type ResourceType } from './registry.ts';
import { recordUpdateManager } from './server-side-apply.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  STALE_OBJECT,
} from './status-errors.ts';

export type WriteOptions = {
  /** The manager recorded in managedFields; undefined leaves managedFields as the caller built them. */
  fieldManager: string | undefined;
  dryRun: boolean;
  subresource?: string;
  /** Told the paths the CRD schema pruned (fieldValidation Strict turns them into 400, Warn into warnings). */
  unknownFields?: (paths: string[]) => void;
  /**
   * POST answers 500 "resourceVersion should not be set on objects to be created" (etcd3 storage, after
   * validation, before the name is checked); a server-side apply that creates drops it instead.
   */
  rejectResourceVersion?: boolean;
};

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)];
  return s;
}

function checkTypeMeta(rt: ResourceType, obj: KubeObject): void {
  const apiVersion = apiVersionOf(rt);
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== rt.kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${rt.kind})`);
  }
  obj.apiVersion = apiVersion;
  obj.kind = rt.kind;
}

function checkNamespace(rt: ResourceType, obj: KubeObject, namespace: string | undefined): void {
  if (!rt.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = namespace;
}

/** Namespaced objects need a live namespace: 404 when it is missing, 403 while it terminates. */
export function requireNamespace(ctx: ServerContext, rt: ResourceType, namespace: string, name: string): void {
  const ns = ctx.store.get('/namespaces', undefined, namespace);
  if (!ns) throw notFound({ group: '', plural: 'namespaces' }, namespace);
  if (ns.metadata.deletionTimestamp) {
    throw forbidden(
      { group: rt.group, plural: rt.plural },
      name,
      `${rt.group ? `${rt.plural}.${rt.group}` : rt.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

function validateCustom(rt: ResourceType, obj: KubeObject, opts: WriteOptions): FieldCause[] {
  if (!rt.schema) return [];
  rt.schema.default(obj);
  const before = opts.unknownFields ? clone(obj) : undefined;
  rt.schema.prune(obj);
  if (before && opts.unknownFields) {
    const dropped = removedPaths(before, obj, '');
    if (dropped.length > 0) opts.unknownFields(dropped);
  }
  return rt.schema.validate(obj);
}

/** Dotted paths present in `before` and missing from `after` (what pruning removed). */
function removedPaths(before: unknown, after: unknown, prefix: string): string[] {
  const out: string[] = [];
  if (Array.isArray(before) && Array.isArray(after)) {
    before.forEach((v, i) => {
      out.push(...removedPaths(v, after[i], `${prefix}[${i}]`));
    });
  } else if (isRecord(before) && isRecord(after)) {
    for (const [k, v] of Object.entries(before)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (!(k in after)) out.push(path);
      else out.push(...removedPaths(v, after[k], path));
    }
  }
  return out;
}

function recordManager(live: KubeObject | undefined, obj: KubeObject, opts: WriteOptions, now: string): KubeObject {
  if (!opts.fieldManager) return obj;
  try {
    return recordUpdateManager(live, obj, opts.fieldManager, 'Update', now) as KubeObject;
  } catch {
    // managedFields are bookkeeping: a failure there must not fail the write.
    return obj;
  }
}

/** Turns a create request body into the object to store (defaults, validation, metadata) or throws a Status. */
export function prepareCreate(
  ctx: ServerContext,
  rt: ResourceType,
  body: KubeObject,
  namespace: string | undefined,
  opts: WriteOptions,
): KubeObject {
  const obj = clone(body);
  checkTypeMeta(rt, obj);
  checkNamespace(rt, obj, namespace);
  const meta = obj.metadata;
  if (!meta.name && meta.generateName) {
    do meta.name = `${meta.generateName}${randomSuffix()}`;
    while (ctx.store.get(rt.storageKey, meta.namespace, meta.name));
  }
  const name = meta.name ?? '';
  if (!name) {
    throw invalid(rt.group, rt.kind, '', [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
        field: 'metadata.name',
      },
    ]);
  }
  if (rt.namespaced && namespace) requireNamespace(ctx, rt, namespace, name);
  const nameCauses = validateName(rt, name);
  if (nameCauses.length > 0) throw invalid(rt.group, rt.kind, name, nameCauses);

  const now = timestamp(ctx.now());
  const sentResourceVersion = meta.resourceVersion;
  meta.uid = randomUUID();
  meta.creationTimestamp = now;
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (rt.hasStatus) delete obj.status;
  // kube-apiserver's order: validation, then storage (resourceVersion set, then name taken).
  const causes = [...applyBuiltinRules(rt, obj, undefined), ...validateCustom(rt, obj, opts)];
  if (causes.length > 0) throw invalid(rt.group, rt.kind, name, causes);
  if (opts.rejectResourceVersion && sentResourceVersion) {
    throw new ApiError(500, '', 'resourceVersion should not be set on objects to be created');
  }
  if (ctx.store.get(rt.storageKey, meta.namespace, name)) throw alreadyExists(rt, name);
  return recordManager(undefined, obj, opts, now);
}

/**
 * Merges an update into the live object as kube-apiserver does: immutable metadata is kept, status only changes
 * through /status (for kinds that have it), the generation follows the spec, stale resourceVersions conflict.
 * Returns the live object itself when nothing changed (no new resourceVersion, no event).
 */
export function prepareUpdate(
  ctx: ServerContext,
  rt: ResourceType,
  live: KubeObject,
  body: KubeObject,
  opts: WriteOptions,
): KubeObject {
  const name = live.metadata.name ?? '';
  const incoming = clone(body);
  checkTypeMeta(rt, incoming);
  if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${String(incoming.metadata.name)}) does not match the name on the URL (${name})`,
    );
  }
  if (rt.namespaced && incoming.metadata.namespace && incoming.metadata.namespace !== live.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const rv = incoming.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) throw conflict(rt, name, STALE_OBJECT);

  let obj: KubeObject;
  if (opts.subresource === 'status') {
    obj = clone(live);
    obj.status = incoming.status;
  } else {
    obj = incoming;
    if (rt.hasStatus) {
      if (live.status === undefined) delete obj.status;
      else obj.status = clone(live.status);
    }
  }
  const meta = obj.metadata;
  const liveMeta = live.metadata;
  meta.name = name;
  if (rt.namespaced) meta.namespace = liveMeta.namespace;
  else delete meta.namespace;
  meta.uid = liveMeta.uid;
  meta.creationTimestamp = liveMeta.creationTimestamp;
  meta.resourceVersion = liveMeta.resourceVersion;
  meta.generation = liveMeta.generation;
  if (meta.managedFields === undefined && liveMeta.managedFields !== undefined)
    meta.managedFields = clone(liveMeta.managedFields);
  if (liveMeta.deletionTimestamp) {
    meta.deletionTimestamp = liveMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = liveMeta.deletionGracePeriodSeconds;
    const added = (meta.finalizers ?? []).filter((f) => !(liveMeta.finalizers ?? []).includes(f));
    if (added.length > 0) {
      throw invalid(rt.group, rt.kind, name, [
        {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: no new finalizers can be added if the object is being deleted',
          field: 'metadata.finalizers',
        },
      ]);
    }
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (meta.finalizers?.length === 0) delete meta.finalizers;
  if (meta.ownerReferences?.length === 0) delete meta.ownerReferences;

  const causes = [...applyBuiltinRules(rt, obj, live), ...validateCustom(rt, obj, opts)];
  if (causes.length > 0) throw invalid(rt.group, rt.kind, name, causes);
  if (!deepEqual(specOf(live, false), specOf(obj, false))) meta.generation = (liveMeta.generation ?? 1) + 1;
  if (sameIgnoringManagedFields(live, obj)) return live;
  return recordManager(live, obj, opts, timestamp(ctx.now()));
}

function sameIgnoringManagedFields(a: KubeObject, b: KubeObject): boolean {
  const { managedFields: _a, ...ma } = a.metadata;
  const { managedFields: _b, ...mb } = b.metadata;
  return deepEqual({ ...a, metadata: ma }, { ...b, metadata: mb });
}

/**
 * Stores a prepared object. An object being deleted whose last finalizer is gone is removed instead, which is
 * how finalizers end a deletion. Returns what the client gets back.
 */
export function commit(
  ctx: ServerContext,
  rt: ResourceType,
  obj: KubeObject,
  live: KubeObject | undefined,
  dryRun: boolean,
): KubeObject {
  if (obj === live) return live;
  if (dryRun) return obj;
  if (live && obj.metadata.deletionTimestamp && !hasPendingFinalizers(obj)) {
    return ctx.store.remove(rt.storageKey, obj.metadata.namespace, obj.metadata.name ?? '', obj) ?? obj;
  }
  return ctx.store.put(rt.storageKey, obj);
}
