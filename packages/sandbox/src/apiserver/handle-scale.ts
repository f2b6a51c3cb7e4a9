import jsonpatch from 'fast-json-patch';
import { decodeBody, mediaType, OBJECT_MEDIA_TYPES } from './http-io.ts';
import { clone, isRecord, type KubeObject } from './kube-object.ts';
import { jsonMergePatch } from './merge-patch.ts';
import type { Reply, ResourceRequest } from './resource-request.ts';
import { fieldManagerOf, isDryRun } from './resource-request.ts';
import { ApiError, badRequest, conflict, notFound, STALE_OBJECT, unsupportedMediaType } from './status-errors.ts';
import { commit, prepareUpdate } from './write-pipeline.ts';

function selectorString(obj: KubeObject): string {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const sel = isRecord(spec.selector) && isRecord(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/** The autoscaling/v1 Scale view of a Deployment or StatefulSet. */
function scaleOf(obj: KubeObject): KubeObject {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const status = isRecord(obj.status) ? obj.status : {};
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: selectorString(obj) },
  };
}

/** GET, PUT and PATCH of `{deployments,statefulsets}/{name}/scale` (what `kubectl scale` uses). */
export function handleScale(r: ResourceRequest): Reply {
  const name = r.route.name ?? '';
  const live = r.ctx.store.get(r.rt.storageKey, r.route.namespace, name);
  if (!live) throw notFound(r.rt, name);
  const current = scaleOf(live);
  if (r.method === 'GET') return { code: 200, body: current };
  let wanted: unknown;
  if (r.method === 'PUT') {
    wanted = decodeBody(r.rawBody, r.contentType, OBJECT_MEDIA_TYPES);
  } else {
    const type = mediaType(r.contentType);
    const patch = decodeBody(r.rawBody, type, [type]);
    if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      wanted = jsonMergePatch(clone(current), patch);
    } else if (type === 'application/json-patch+json' && Array.isArray(patch)) {
      try {
        wanted = jsonpatch.applyPatch(clone(current), patch, true, false).newDocument;
      } catch (err) {
        throw new ApiError(422, 'Invalid', ((err as Error).message ?? '').split('\n')[0] ?? 'json patch failed');
      }
    } else {
      throw unsupportedMediaType([
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ]);
    }
  }
  if (!isRecord(wanted) || !isRecord(wanted.spec) || typeof wanted.spec.replicas !== 'number') {
    throw badRequest('a Scale needs spec.replicas');
  }
  const rv = isRecord(wanted.metadata) ? wanted.metadata.resourceVersion : undefined;
  if (typeof rv === 'string' && rv !== '' && rv !== live.metadata.resourceVersion)
    throw conflict(r.rt, name, STALE_OBJECT);
  const updated = clone(live);
  updated.spec = { ...(updated.spec as object), replicas: wanted.spec.replicas };
  const dryRun = isDryRun(r.query);
  const prepared = prepareUpdate(r.ctx, r.rt, live, updated, { fieldManager: fieldManagerOf(r), dryRun });
  return { code: 200, body: scaleOf(commit(r.ctx, r.rt, prepared, live, dryRun)) };
}
