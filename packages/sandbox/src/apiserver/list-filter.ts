import type { KubeObject } from './kube-object.ts';
import type { ResourceType } from './registry.ts';
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.ts';
import { badRequest } from './status-errors.ts';

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/**
 * The predicate of a list or watch: namespace of the URL, the object name of a single-object watch, and the
 * labelSelector/fieldSelector parameters (bad syntax or unknown field labels are 400 as in kube-apiserver).
 */
export function objectFilter(
  rt: ResourceType,
  namespace: string | undefined,
  name: string | undefined,
  query: URLSearchParams,
): (obj: KubeObject) => boolean {
  let labels: LabelSelector | undefined;
  let fields: FieldSelector | undefined;
  try {
    const l = query.get('labelSelector');
    if (l) labels = parseLabelSelector(l);
    const f = query.get('fieldSelector');
    if (f) fields = parseFieldSelector(f);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
  for (const req of fields?.requirements ?? []) {
    if (!COMMON_FIELDS.includes(req.path) && !rt.fieldLabels.includes(req.path)) {
      throw badRequest(`field label not supported: ${req.path}`);
    }
  }
  const labelSel = labels && labels.requirements.length > 0 ? labels : undefined;
  const fieldSel = fields && fields.requirements.length > 0 ? fields : undefined;
  return (obj) => {
    if (namespace !== undefined && obj.metadata.namespace !== namespace) return false;
    if (name !== undefined && obj.metadata.name !== name) return false;
    if (labelSel && !matchesLabels(labelSel, obj.metadata.labels)) return false;
    if (fieldSel && !matchesFields(fieldSel, obj)) return false;
    return true;
  };
}
