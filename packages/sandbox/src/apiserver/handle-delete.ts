import { deleteObject, parseDeleteOptions } from './deletion.ts';
import { decodeBody, OBJECT_MEDIA_TYPES } from './http-io.ts';
import { objectFilter } from './list-filter.ts';
import { apiVersionOf } from './registry.ts';
import { isDryRun, type Reply, type ResourceRequest } from './resource-request.ts';
import { notFound, successStatus } from './status-errors.ts';
import { inVersion } from './table-output.ts';

function options(r: ResourceRequest) {
  const body = decodeBody(r.rawBody, r.contentType, OBJECT_MEDIA_TYPES);
  return parseDeleteOptions(body, r.query, isDryRun(r.query));
}

/**
 * DELETE of one object: 200 with a Success Status when it is gone at once, 200 with the object when finalizers
 * (or a foreground deletion, or a namespace) keep it for now, as kube-apiserver answers.
 */
export function handleDelete(r: ResourceRequest): Reply {
  const name = r.route.name ?? '';
  const live = r.ctx.store.get(r.rt.storageKey, r.route.namespace, name);
  if (!live) throw notFound(r.rt, name);
  const { object, removed } = deleteObject(r.ctx, r.rt, live, options(r));
  if (removed) return { code: 200, body: successStatus(r.rt, name, live.metadata.uid) };
  return { code: 200, body: inVersion(r.rt, object) };
}

/** DELETE of a collection: every object matching the selectors; answers with the list of what was deleted. */
export function handleDeleteCollection(r: ResourceRequest): Reply {
  const opts = options(r);
  const match = objectFilter(r.rt, r.route.namespace, undefined, r.query);
  const items = r.ctx.store.list(r.rt.storageKey, r.route.namespace).filter(match);
  const out = items.map((obj) => deleteObject(r.ctx, r.rt, obj, opts).object);
  return {
    code: 200,
    body: {
      kind: r.rt.listKind,
      apiVersion: apiVersionOf(r.rt),
      metadata: { resourceVersion: String(r.ctx.store.resourceVersion) },
      items: out.map((o) => inVersion(r.rt, o)),
    },
  };
}
