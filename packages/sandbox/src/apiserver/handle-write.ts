import { decodeBody, OBJECT_MEDIA_TYPES } from './http-io.ts';
import { asKubeObject, type KubeObject } from './kube-object.ts';
import { fieldManagerOf, isDryRun, type Reply, type ResourceRequest, unknownFieldHandler } from './resource-request.ts';
import { badRequest, notFound } from './status-errors.ts';
import { inVersion } from './table-output.ts';
import { commit, prepareCreate, prepareUpdate } from './write-pipeline.ts';

export function objectBody(r: ResourceRequest): KubeObject {
  const obj = asKubeObject(decodeBody(r.rawBody, r.contentType, OBJECT_MEDIA_TYPES));
  if (!obj) throw badRequest('the request body must be an object');
  return obj;
}

export function handleCreate(r: ResourceRequest): Reply {
  const body = objectBody(r);
  const dryRun = isDryRun(r.query);
  const prepared = prepareCreate(r.ctx, r.rt, body, r.route.namespace, {
    fieldManager: fieldManagerOf(r),
    dryRun,
    unknownFields: unknownFieldHandler(r),
    rejectResourceVersion: true,
  });
  const stored = commit(r.ctx, r.rt, prepared, undefined, dryRun);
  return { code: 201, body: inVersion(r.rt, stored) };
}

export function handleUpdate(r: ResourceRequest): Reply {
  const body = objectBody(r);
  const dryRun = isDryRun(r.query);
  const name = r.route.name ?? '';
  const live = r.ctx.store.get(r.rt.storageKey, r.route.namespace, name);
  if (!live) throw notFound(r.rt, name);
  const subresource = r.route.subresource;
  const prepared = prepareUpdate(r.ctx, r.rt, live, finalizeView(subresource, live, body), {
    fieldManager: fieldManagerOf(r),
    dryRun,
    unknownFields: unknownFieldHandler(r),
    subresource: subresource === 'status' ? 'status' : undefined,
  });
  const stored = commit(r.ctx, r.rt, prepared, live, dryRun);
  return { code: 200, body: inVersion(r.rt, stored) };
}

/** PUT namespaces/{name}/finalize changes nothing but spec.finalizers. */
function finalizeView(subresource: string | undefined, live: KubeObject, body: KubeObject): KubeObject {
  if (subresource !== 'finalize') return body;
  const spec = (body.spec ?? {}) as Record<string, unknown>;
  return {
    ...structuredClone(live),
    spec: { ...(live.spec as object), finalizers: spec.finalizers ?? [] },
    metadata: { ...structuredClone(live.metadata), resourceVersion: body.metadata.resourceVersion },
  };
}
