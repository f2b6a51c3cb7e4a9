import { isRecord, type KubeObject } from './kube-object.ts';
import { objectFilter } from './list-filter.ts';
import { apiVersionOf } from './registry.ts';
import type { Reply, ResourceRequest } from './resource-request.ts';
import { badRequest, gone, notFound } from './status-errors.ts';
import { includeObjectOf, inVersion, tableOf } from './table-output.ts';

/** Built-in list items carry no apiVersion/kind on the wire (typed Go lists); custom resources do. */
function listItem(r: ResourceRequest, obj: KubeObject): KubeObject {
  if (r.rt.custom) return inVersion(r.rt, obj);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest as KubeObject;
}

export function handleGet(r: ResourceRequest): Reply {
  const name = r.route.name ?? '';
  const obj = r.ctx.store.get(r.rt.storageKey, r.route.namespace, name);
  if (!obj) throw notFound(r.rt, name);
  if (r.negotiated.table) {
    return {
      code: 200,
      body: tableOf(r.rt, [obj], includeObjectOf(r.query), r.ctx.now(), {
        resourceVersion: obj.metadata.resourceVersion,
      }),
    };
  }
  return { code: 200, body: inVersion(r.rt, obj) };
}

type ContinueToken = { rv: number; after: string };

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.after })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (isRecord(v) && typeof v.rv === 'number' && typeof v.start === 'string') return { rv: v.rv, after: v.start };
  } catch {
    // fall through to the error kube-apiserver gives
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : (obj.metadata.name ?? '');
}

export function handleList(r: ResourceRequest): Reply {
  const { store } = r.ctx;
  const match = objectFilter(r.rt, r.route.namespace, undefined, r.query);
  const limitParam = r.query.get('limit');
  const limit = limitParam ? Number(limitParam) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: "${limitParam}"`);
  const cont = r.query.get('continue');
  let items = store.list(r.rt.storageKey, r.route.namespace).filter(match);
  let listRv = store.resourceVersion;
  if (cont) {
    const token = decodeContinue(cont);
    // A continue token outlives nothing that was compacted, as with etcd.
    if (token.rv < store.oldestResumable) {
      throw gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    }
    listRv = token.rv;
    items = items.filter((o) => keyOf(o) > token.after);
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1];
    if (last) metadata.continue = encodeContinue({ rv: listRv, after: keyOf(last) });
    metadata.remainingItemCount = remaining;
  }
  if (r.negotiated.table) {
    return { code: 200, body: tableOf(r.rt, items, includeObjectOf(r.query), r.ctx.now(), metadata) };
  }
  return {
    code: 200,
    body: { kind: r.rt.listKind, apiVersion: apiVersionOf(r.rt), metadata, items: items.map((o) => listItem(r, o)) },
  };
}

export function handleWatch(r: ResourceRequest): Reply {
  const match = objectFilter(r.rt, r.route.namespace, r.route.name, r.query);
  const timeout = r.query.get('timeoutSeconds');
  const includeObject = r.negotiated.table ? includeObjectOf(r.query) : 'Object';
  const rt = r.rt;
  const now = r.ctx.now;
  r.hub.serve(r.res, {
    rt,
    matches: match,
    resourceVersion: r.query.get('resourceVersion') ?? undefined,
    sendInitialEvents: r.query.get('sendInitialEvents') === 'true',
    allowBookmarks: r.query.get('allowWatchBookmarks') === 'true',
    timeoutSeconds: timeout ? Number(timeout) : undefined,
    encode: r.negotiated.table ? (obj) => tableOf(rt, [obj], includeObject, now()) : (obj) => inVersion(rt, obj),
  });
  return undefined;
}
