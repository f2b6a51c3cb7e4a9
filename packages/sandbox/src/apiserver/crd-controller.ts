import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type ServerContext, timestamp } from './context.ts';
import { type CrdVersion, compileCrdVersion, type PrinterColumn } from './crd-schema.ts';
import { clone, deepEqual, isRecord, type KubeObject } from './kube-object.ts';
import { ALL_VERBS, type ResourceType } from './registry.ts';
import type { StoreEvent } from './store.ts';

export const CRD_STORAGE_KEY = 'apiextensions.k8s.io/customresourcedefinitions';

type CrdSpec = {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  versions: CrdVersion[];
};

function specOfCrd(crd: KubeObject): CrdSpec {
  return crd.spec as CrdSpec;
}

/** The served versions of a CRD as resources; throws when a schema does not compile. */
export function crdResourceTypes(crd: KubeObject): ResourceType[] {
  const spec = specOfCrd(crd);
  const names = spec.names;
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => {
      const subresources = isRecord(v.subresources) ? v.subresources : {};
      const columns: PrinterColumn[] | undefined = v.additionalPrinterColumns;
      return {
        group: spec.group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: spec.scope === 'Namespaced',
        verbs: ALL_VERBS,
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        hasStatus: subresources.status !== undefined,
        subresources: [],
        storageKey: `${spec.group}/${names.plural}`,
        fieldLabels: [],
        custom: true,
        columns,
        schema: v.schema ? compileCrdVersion(v) : undefined,
      };
    });
}

/**
 * Serves custom resources while their CRD exists, as the apiextensions server does: registration happens in the
 * same write that stores the CRD (so the next request may use the kind), the CRD reports Established, and deleting
 * it removes its objects.
 */
export class CrdController {
  private readonly ctx: ServerContext;
  private readonly unsubscribe: () => void;

  constructor(ctx: ServerContext) {
    this.ctx = ctx;
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe();
  }

  private onEvent(event: StoreEvent): void {
    if (event.storageKey !== CRD_STORAGE_KEY) return;
    const crd = event.object;
    const spec = specOfCrd(crd);
    if (event.type === 'DELETED') {
      const storageKey = `${spec.group}/${spec.names.plural}`;
      for (const obj of this.ctx.store.list(storageKey)) {
        this.ctx.store.remove(storageKey, obj.metadata.namespace, obj.metadata.name ?? '');
      }
      this.ctx.registry.removeCustom(spec.group, spec.names.plural);
      return;
    }
    const previous = event.previous ? specOfCrd(event.previous) : undefined;
    if (previous && (previous.group !== spec.group || previous.names.plural !== spec.names.plural)) {
      this.ctx.registry.removeCustom(previous.group, previous.names.plural);
    }
    if (!previous || !deepEqual(previous, spec))
      this.ctx.registry.replaceCustom(spec.group, spec.names.plural, crdResourceTypes(crd));
    this.establish(crd);
  }

  private establish(crd: KubeObject): void {
    const spec = specOfCrd(crd);
    const current = isRecord(crd.status) ? crd.status : {};
    const now = timestamp(this.ctx.now());
    const kept = (type: string) =>
      (Array.isArray(current.conditions) ? current.conditions : []).find((c) => isRecord(c) && c.type === type) as
        | Record<string, unknown>
        | undefined;
    const cond = (type: string, reason: string, message: string) => ({
      type,
      status: 'True',
      lastTransitionTime: kept(type)?.lastTransitionTime ?? now,
      reason,
      message,
    });
    const storage = spec.versions.find((v) => v.storage)?.name;
    const stored = Array.isArray(current.storedVersions) ? (current.storedVersions as string[]) : [];
    const status = {
      conditions: [
        cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      acceptedNames: { ...spec.names, listKind: spec.names.listKind ?? `${spec.names.kind}List` },
      storedVersions: storage && !stored.includes(storage) ? [...stored, storage] : stored,
    };
    if (deepEqual(current, status)) return;
    const updated = clone(crd);
    updated.status = status;
    this.ctx.store.put(CRD_STORAGE_KEY, updated);
  }

  /** Registers the CRDs found in YAML files of `dirs` (multi-document files are fine). */
  loadDirs(dirs: string[]): void {
    for (const dir of dirs) {
      let files: string[];
      try {
        files = readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort();
      } catch {
        continue;
      }
      for (const file of files) {
        for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
          const obj = doc.toJS() as KubeObject | null;
          if (obj?.kind !== 'CustomResourceDefinition') continue;
          this.ctx.store.put(CRD_STORAGE_KEY, {
            ...obj,
            apiVersion: 'apiextensions.k8s.io/v1',
            metadata: {
              ...obj.metadata,
              uid: randomUUID(),
              creationTimestamp: timestamp(this.ctx.now()),
              generation: 1,
            },
          });
        }
      }
    }
  }
}
