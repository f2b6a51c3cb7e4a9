import { isRecord, type KubeObject } from './kube-object.ts';
import type { ResourceType } from './registry.ts';
import { badRequest } from './status-errors.ts';
import { defaultColumns, toTable } from './table.ts';

type IncludeObject = 'None' | 'Object' | 'Metadata';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Object' && v !== 'Metadata') {
    throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  }
  return v;
}

/** A meta.k8s.io/v1 Table of `objects` with the kind's printer columns (CRD additionalPrinterColumns or built-in). */
export function tableOf(
  rt: ResourceType,
  objects: KubeObject[],
  includeObject: IncludeObject,
  now: Date,
  listMeta?: object,
): object {
  const columns = rt.columns ?? (rt.custom ? [] : defaultColumns(rt.kind));
  const table = toTable(objects, columns, { includeObject, kind: rt.kind, listMeta, now });
  return isRecord(table) ? table : {};
}

/** Custom resources are stored in one version and served in the one asked for (no conversion webhooks here). */
export function inVersion(rt: ResourceType, obj: KubeObject): KubeObject {
  const apiVersion = rt.group ? `${rt.group}/${rt.version}` : rt.version;
  if (obj.apiVersion === apiVersion && obj.kind === rt.kind) return obj;
  return { ...obj, apiVersion, kind: rt.kind };
}
