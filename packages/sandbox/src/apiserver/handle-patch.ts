import jsonpatch from 'fast-json-patch';
import { timestamp } from './context.ts';
import { decodeBody, mediaType } from './http-io.ts';
import { asKubeObject, clone, isRecord, type KubeObject } from './kube-object.ts';
import { jsonMergePatch } from './merge-patch.ts';
import { fieldManagerOf, isDryRun, type Reply, type ResourceRequest, unknownFieldHandler } from './resource-request.ts';
import { serverSideApply } from './server-side-apply.ts';
import {
  ApiError,
  badRequest,
  conflict,
  invalid,
  notFound,
  STALE_OBJECT,
  unsupportedMediaType,
} from './status-errors.ts';
import { strategicMergePatch } from './strategic-merge.ts';
import { inVersion } from './table-output.ts';
import { commit, prepareCreate, prepareUpdate } from './write-pipeline.ts';

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

function acceptedPatchTypes(custom: boolean): string[] {
  return custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH];
}

function applyJsonPatch(live: KubeObject, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return jsonpatch.applyPatch(clone(live), ops, true, false).newDocument;
  } catch (err) {
    // kube-apiserver answers a failed `test` or an unresolvable path with 422 and the patch library's message.
    const first = ((err as Error).message ?? '').split('\n')[0];
    throw new ApiError(422, 'Invalid', first ?? 'json patch failed');
  }
}

function applyConflictMessage(causes: { message: string; field: string }[]): string {
  const lines = causes.map((c) => `- ${c.message}`);
  return `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${lines.join('\n')}`;
}

/** PATCH in its four flavours, on the main resource and on /status. Only apply may create. */
export function handlePatch(r: ResourceRequest): Reply {
  const { rt, ctx } = r;
  const type = mediaType(r.contentType);
  const accepted = acceptedPatchTypes(rt.custom);
  if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
  const patch = decodeBody(r.rawBody, type, [type]);
  const dryRun = isDryRun(r.query);
  const name = r.route.name ?? '';
  const subresource = r.route.subresource === 'status' ? 'status' : undefined;
  const live = ctx.store.get(rt.storageKey, r.route.namespace, name);
  const force = r.query.get('force') === 'true';

  if (type === APPLY_PATCH) {
    const fieldManager = r.query.get('fieldManager');
    if (!fieldManager) {
      throw invalid('meta.k8s.io', 'PatchOptions', '', [
        { reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' },
      ]);
    }
    const applied = asKubeObject(patch);
    if (!applied) throw badRequest('the apply patch must be an object');
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (!live && subresource) throw notFound(rt, name);
    const result = serverSideApply(
      live,
      { ...applied, metadata: { ...applied.metadata, name } },
      {
        fieldManager,
        force,
        kind: rt.kind,
        now: timestamp(ctx.now()),
      },
    );
    if ('conflicts' in result) {
      const err = conflict(rt, name, '', result.conflicts);
      throw new ApiError(409, 'Conflict', applyConflictMessage(result.conflicts), err.details);
    }
    const merged = asKubeObject(result.object) as KubeObject;
    if (!live) {
      const prepared = prepareCreate(ctx, rt, merged, r.route.namespace, {
        fieldManager: undefined,
        dryRun,
        unknownFields: unknownFieldHandler(r),
      });
      return { code: 201, body: inVersion(rt, commit(ctx, rt, prepared, undefined, dryRun)) };
    }
    if (merged.metadata.resourceVersion === undefined) merged.metadata.resourceVersion = live.metadata.resourceVersion;
    const prepared = prepareUpdate(ctx, rt, live, merged, {
      fieldManager: undefined,
      dryRun,
      subresource,
      unknownFields: unknownFieldHandler(r),
    });
    return { code: 200, body: inVersion(rt, commit(ctx, rt, prepared, live, dryRun)) };
  }

  if (!live) throw notFound(rt, name);
  let patched: unknown;
  if (type === JSON_PATCH) patched = applyJsonPatch(live, patch);
  else if (type === MERGE_PATCH) patched = jsonMergePatch(clone(live), patch);
  else {
    if (!isRecord(patch)) throw badRequest('the strategic merge patch must be an object');
    patched = strategicMergePatch(clone(live), patch, rt.kind);
  }
  const obj = asKubeObject(patched);
  if (!obj) throw badRequest('the patched object is not an object');
  // A resourceVersion in the patch is a precondition, as in kube-apiserver.
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined && rv !== live.metadata.resourceVersion) throw conflict(rt, name, STALE_OBJECT);
  obj.metadata.resourceVersion = live.metadata.resourceVersion;
  const prepared = prepareUpdate(ctx, rt, live, obj, {
    fieldManager: fieldManagerOf(r),
    dryRun,
    subresource,
    unknownFields: unknownFieldHandler(r),
  });
  return { code: 200, body: inVersion(rt, commit(ctx, rt, prepared, live, dryRun)) };
}
