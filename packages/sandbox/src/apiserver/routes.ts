/** A request for a resource: `/api/v1/namespaces/ns/secrets/name/status` and the like. */
export type ResourceRoute = {
  kind: 'resource';
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The deprecated `/watch/` path prefix. */
  watchPath: boolean;
};

export type Route =
  | ResourceRoute
  | { kind: 'apiVersions' }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'other'; path: string };

/** Splits an API path the way kube-apiserver's request-info resolver does. */
export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'apiVersions' };
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groupList' };
    if (parts.length === 2) return { kind: 'group', group: parts[1] ?? '' };
    group = parts[1] ?? '';
    rest = parts.slice(2);
  } else {
    return { kind: 'other', path: pathname };
  }
  const version = rest[0] ?? '';
  let segs = rest.slice(1);
  if (segs.length === 0) return { kind: 'resourceList', group, version };
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  // namespaces/{ns} is the Namespace itself; namespaces/{ns}/{status|finalize} its subresources.
  if (segs[0] === 'namespaces' && segs.length >= 3 && !(segs.length === 3 && isNamespaceSubresource(segs[2]))) {
    const [, namespace, plural, name, subresource] = segs;
    if (segs.length > 5 || !plural) return { kind: 'other', path: pathname };
    return { kind: 'resource', group, version, plural, namespace, name, subresource, watchPath };
  }
  const [plural, name, subresource] = segs;
  if (segs.length > 3 || !plural) return { kind: 'other', path: pathname };
  return { kind: 'resource', group, version, plural, name, subresource, watchPath };
}

function isNamespaceSubresource(s: string | undefined): boolean {
  return s === 'status' || s === 'finalize';
}
