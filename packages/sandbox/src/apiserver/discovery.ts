import type { Registry, ResourceType } from './registry.ts';

export const KUBE_VERSION = {
  major: '1',
  minor: '35',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
  gitVersion: 'v1.35.0-lockstep-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** kube's version priority: GA before beta before alpha, higher numbers first. */
function versionRank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [3, 0, 0];
  const level = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
  return [level, -Number(m[1]), -Number(m[3] ?? 0)];
}

export function sortVersions(versions: string[]): string[] {
  return [...versions].sort((a, b) => {
    const ra = versionRank(a);
    const rb = versionRank(b);
    for (let i = 0; i < 3; i++) if ((ra[i] ?? 0) !== (rb[i] ?? 0)) return (ra[i] ?? 0) - (rb[i] ?? 0);
    return a < b ? -1 : 1;
  });
}

function subresourceVerbs(
  rt: ResourceType,
): { name: string; kind: string; group: string; version: string; verbs: string[] }[] {
  const out = [...rt.subresources];
  if (rt.hasStatus)
    out.unshift({
      name: 'status',
      kind: rt.kind,
      group: rt.group,
      version: rt.version,
      verbs: ['get', 'patch', 'update'],
    });
  if (rt.kind === 'Namespace' && !rt.custom) {
    out.push({ name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] });
  }
  return out;
}

/** APIResourceList entries: the resource, then one entry per subresource (`deployments/status`). */
function legacyResources(rts: ResourceType[]): object[] {
  const out: object[] = [];
  for (const rt of rts) {
    const entry: Record<string, unknown> = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs,
    };
    if (rt.shortNames.length > 0) entry.shortNames = rt.shortNames;
    if (rt.categories.length > 0) entry.categories = rt.categories;
    out.push(entry);
    for (const sub of subresourceVerbs(rt)) {
      const e: Record<string, unknown> = {
        name: `${rt.plural}/${sub.name}`,
        singularName: '',
        namespaced: rt.namespaced,
      };
      if (sub.group !== rt.group) e.group = sub.group;
      if (sub.version !== rt.version) e.version = sub.version;
      e.kind = sub.kind;
      e.verbs = sub.verbs;
      out.push(e);
    }
  }
  return out;
}

export function resourceList(registry: Registry, group: string, version: string): object | undefined {
  const rts = registry.all().filter((rt) => rt.group === group && rt.version === version);
  if (rts.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: legacyResources(rts),
  };
}

export function apiVersions(): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  };
}

function apiGroup(group: string, versions: string[]): object {
  const sorted = sortVersions(versions);
  const gv = (v: string) => ({ groupVersion: `${group}/${v}`, version: v });
  return { name: group, versions: sorted.map(gv), preferredVersion: gv(sorted[0] ?? '') };
}

export function groupList(registry: Registry): object {
  const groups = [...registry.groups()].filter(([g]) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(([g, vs]) => apiGroup(g, vs)) };
}

export function group(registry: Registry, name: string): object | undefined {
  const versions = registry.groups().get(name);
  if (!versions || name === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name, versions) };
}

function aggregatedResource(rt: ResourceType): object {
  const entry: Record<string, unknown> = {
    resource: rt.plural,
    responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
    scope: rt.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: rt.singular,
    verbs: rt.verbs,
  };
  if (rt.shortNames.length > 0) entry.shortNames = rt.shortNames;
  if (rt.categories.length > 0) entry.categories = rt.categories;
  const subs = subresourceVerbs(rt);
  if (subs.length > 0) {
    entry.subresources = subs.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return entry;
}

/** The aggregated discovery document (apidiscovery.k8s.io/v2) kubectl asks for first; core for /api, groups for /apis. */
export function aggregatedDiscovery(registry: Registry, core: boolean): object {
  const items = [...registry.groups()]
    .filter(([g]) => (core ? g === '' : g !== ''))
    .map(([g, versions]) => ({
      metadata: g ? { name: g, creationTimestamp: null } : { creationTimestamp: null },
      versions: sortVersions(versions).map((v) => ({
        version: v,
        resources: registry
          .all()
          .filter((rt) => rt.group === g && rt.version === v)
          .map(aggregatedResource),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** Whether the Accept header asks for aggregated discovery v2 (kubectl 1.35 does, with a legacy fallback). */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((r) => {
    const params = r.split(';').map((p) => p.trim().toLowerCase());
    return (
      params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=apigroupdiscoverylist')
    );
  });
}
