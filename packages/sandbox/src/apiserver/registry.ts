import type { CompiledSchema, PrinterColumn } from './crd-schema.ts';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** One served resource (one group/version/plural), as discovery and the handlers see it. */
export type ResourceType = {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  /** Kinds with a status subresource ignore status on the main resource, as kube-apiserver does. */
  hasStatus: boolean;
  /** Extra subresources beyond status (`token` on serviceaccounts). */
  subresources: { name: string; kind: string; group: string; version: string; verbs: string[] }[];
  /** Objects of every version of one group/plural share this storage key. */
  storageKey: string;
  /** Field selector paths accepted besides metadata.name and metadata.namespace. */
  fieldLabels: string[];
  custom: boolean;
  columns?: PrinterColumn[];
  schema?: CompiledSchema;
};

export function apiVersionOf(rt: { group: string; version: string }): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

type BuiltinSpec = Partial<ResourceType> & Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural'>;

function builtin(spec: BuiltinSpec): ResourceType {
  return {
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: [],
    categories: [],
    hasStatus: false,
    subresources: [],
    storageKey: `${spec.group}/${spec.plural}`,
    fieldLabels: [],
    custom: false,
    ...spec,
  };
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

export function builtinResources(): ResourceType[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ns'],
      hasStatus: true,
      fieldLabels: ['status.phase'],
    }),
    builtin({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', fieldLabels: ['type'] }),
    builtin({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'ServiceAccount',
      plural: 'serviceaccounts',
      shortNames: ['sa'],
      subresources: [
        { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
      ],
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      shortNames: ['ev'],
      fieldLabels: EVENT_FIELDS,
    }),
    builtin({
      group: 'events.k8s.io',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      shortNames: ['ev'],
      fieldLabels: ['reason', 'type', 'reportingController', 'regarding.kind', 'regarding.name', 'regarding.namespace'],
    }),
    builtin({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases' }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      plural: 'deployments',
      subresources: [
        { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      ],
      shortNames: ['deploy'],
      categories: ['all'],
      hasStatus: true,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'StatefulSet',
      plural: 'statefulsets',
      subresources: [
        { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      ],
      shortNames: ['sts'],
      categories: ['all'],
      hasStatus: true,
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'DaemonSet',
      plural: 'daemonsets',
      shortNames: ['ds'],
      categories: ['all'],
      hasStatus: true,
    }),
    builtin({
      group: 'authentication.k8s.io',
      version: 'v1',
      kind: 'TokenReview',
      plural: 'tokenreviews',
      namespaced: false,
      verbs: ['create'],
    }),
    builtin({
      group: 'authorization.k8s.io',
      version: 'v1',
      kind: 'SelfSubjectAccessReview',
      plural: 'selfsubjectaccessreviews',
      namespaced: false,
      verbs: ['create'],
    }),
    builtin({
      group: 'authorization.k8s.io',
      version: 'v1',
      kind: 'SubjectAccessReview',
      plural: 'subjectaccessreviews',
      namespaced: false,
      verbs: ['create'],
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      hasStatus: true,
    }),
  ];
}

/** The resources served right now; custom resources come and go with their CRDs. */
export class Registry {
  private readonly types = new Map<string, ResourceType>();
  private generation = 0;

  constructor(initial: ResourceType[]) {
    for (const rt of initial) this.add(rt);
  }

  /** Bumped on every change, so discovery and OpenAPI documents can be cached until then. */
  get version(): number {
    return this.generation;
  }

  private add(rt: ResourceType): void {
    this.types.set(`${rt.group}/${rt.version}/${rt.plural}`, rt);
    this.generation++;
  }

  /** Replaces every version of `group/plural` with `versions`. */
  replaceCustom(group: string, plural: string, versions: ResourceType[]): void {
    this.removeCustom(group, plural);
    for (const rt of versions) this.add(rt);
  }

  removeCustom(group: string, plural: string): void {
    for (const [key, rt] of this.types) {
      if (rt.custom && rt.group === group && rt.plural === plural) this.types.delete(key);
    }
    this.generation++;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${plural}`);
  }

  /** The resource of an object's apiVersion and kind (used by the garbage collector and namespaces). */
  findKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const rt of this.types.values()) if (apiVersionOf(rt) === apiVersion && rt.kind === kind) return rt;
    return undefined;
  }

  /** One resource per storage key (the first registered version), for sweeps over all stored objects. */
  storageTypes(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const rt of this.types.values()) if (!seen.has(rt.storageKey)) seen.set(rt.storageKey, rt);
    return [...seen.values()];
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Groups with their versions in registration order; the core group is the empty string. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const rt of this.types.values()) {
      const versions = out.get(rt.group) ?? [];
      if (!versions.includes(rt.version)) versions.push(rt.version);
      out.set(rt.group, versions);
    }
    return out;
  }
}
