import { type ServerContext, timestamp } from './context.ts';
import { clone, type KubeObject } from './kube-object.ts';
import type { ResourceType } from './registry.ts';
import { badRequest, conflict } from './status-errors.ts';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export type DeleteOptions = {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
};

export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** Reads DeleteOptions from a request body and query, as kube accepts both. */
export function parseDeleteOptions(body: unknown, query: URLSearchParams, dryRun: boolean): DeleteOptions {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  let policy = (query.get('propagationPolicy') ?? b.propagationPolicy) as string | undefined;
  const orphan = query.get('orphanDependents') ?? b.orphanDependents;
  if (policy === undefined && (orphan === true || orphan === 'true')) policy = 'Orphan';
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const preconditions = (b.preconditions ?? undefined) as DeleteOptions['preconditions'];
  return { propagationPolicy: policy as PropagationPolicy | undefined, preconditions, dryRun };
}

/** Dependents of `owner` lose their ownerReference to it (Orphan propagation). */
function orphanDependents(ctx: ServerContext, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  for (const rt of ctx.registry.storageTypes()) {
    for (const obj of ctx.store.list(rt.storageKey)) {
      const refs = obj.metadata.ownerReferences;
      if (!refs?.some((r) => r.uid === uid)) continue;
      const updated = clone(obj);
      updated.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
      if (updated.metadata.ownerReferences.length === 0) delete updated.metadata.ownerReferences;
      ctx.store.put(rt.storageKey, updated);
    }
  }
}

/**
 * Deletes `live`: an object with finalizers (or a foreground deletion) only gets its deletionTimestamp; everything
 * else goes at once and the garbage collector takes its dependents. Returns the object as the client sees it and
 * whether it is gone.
 */
export function deleteObject(
  ctx: ServerContext,
  rt: ResourceType,
  live: KubeObject,
  opts: DeleteOptions,
): { object: KubeObject; removed: boolean } {
  const name = live.metadata.name ?? '';
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== live.metadata.uid) {
    throw conflict(
      rt,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      rt,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
  }
  const policy = opts.propagationPolicy ?? 'Background';
  if (opts.dryRun) return { object: live, removed: false };
  if (policy === 'Orphan') orphanDependents(ctx, live);

  const finalizers = [...(live.metadata.finalizers ?? [])];
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  const isNamespace = rt.kind === 'Namespace' && !rt.custom;
  if (finalizers.length > 0 || isNamespace) {
    if (live.metadata.deletionTimestamp && finalizers.length === (live.metadata.finalizers ?? []).length) {
      return { object: live, removed: false };
    }
    const updated = clone(live);
    updated.metadata.finalizers = finalizers;
    if (finalizers.length === 0) delete updated.metadata.finalizers;
    updated.metadata.deletionTimestamp ??= timestamp(ctx.now());
    updated.metadata.deletionGracePeriodSeconds ??= 0;
    if (isNamespace) updated.status = { ...(updated.status as object), phase: 'Terminating' };
    return { object: ctx.store.put(rt.storageKey, updated), removed: false };
  }
  const gone = ctx.store.remove(rt.storageKey, live.metadata.namespace, name) ?? live;
  return { object: gone, removed: true };
}
