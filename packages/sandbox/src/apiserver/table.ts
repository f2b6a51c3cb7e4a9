import type { PrinterColumn } from './crd-schema.ts';
import { type Cell, col, type Printer, workloadPrinters } from './workload-printers.ts';

/**
 * meta.k8s.io/v1 Table rendering, as kube-apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
 * (what kubectl get asks for). Built-in kinds get the columns of their kubectl printers (the workloads' `-o wide`
 * ones too, at priority 1); custom resources get their additionalPrinterColumns evaluated with a small JSONPath subset.
 */

export type TableOptions = {
  includeObject: 'None' | 'Object' | 'Metadata';
  kind?: string;
  listMeta?: object;
  now?: Date;
};

type JsonObject = Record<string, unknown>;

const NAME_COLUMN: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  jsonPath: '.metadata.name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value && typeof value === 'object' ? Object.keys(value).length : 0;
}

// The cells kube's built-in printers compute (pkg/printers/internalversion), which JSONPath cannot express.
const BUILTINS: Record<string, Printer> = {
  Secret: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', '.type', 'The type of the secret.'),
      col('Data', 'string', '.data', 'The number of entries in the data of the secret.'),
      AGE_COLUMN,
    ],
    computed: { Data: (o) => count(o.data) },
  },
  ConfigMap: {
    columns: [
      NAME_COLUMN,
      col('Data', 'string', '.data', 'Number of entries in the data of the config map.'),
      AGE_COLUMN,
    ],
    computed: { Data: (o) => count(o.data) + count(o.binaryData) },
  },
  Namespace: {
    columns: [NAME_COLUMN, col('Status', 'string', '.status.phase', 'The status of the namespace.'), AGE_COLUMN],
    computed: {},
  },
  ServiceAccount: {
    columns: [
      NAME_COLUMN,
      col('Secrets', 'string', '.secrets', 'Number of secrets listed in the service account.'),
      AGE_COLUMN,
    ],
    computed: { Secrets: (o) => count(o.secrets) },
  },
  Lease: {
    columns: [NAME_COLUMN, col('Holder', 'string', '.spec.holderIdentity', 'The holder of the lease.'), AGE_COLUMN],
    computed: {},
  },
  ...workloadPrinters(NAME_COLUMN, AGE_COLUMN),
};

/** The columns kubectl shows by default for a built-in kind; Name and Age for any other. */
export function defaultColumns(kind: string): PrinterColumn[] {
  return [...(BUILTINS[kind]?.columns ?? [NAME_COLUMN, AGE_COLUMN])];
}

/**
 * Renders `objects` as a Table. `columns` are a CRD version's additionalPrinterColumns (Name is prepended, and an
 * empty list means the CRD default Age column) or `defaultColumns(kind)`.
 */
export function toTable(objects: object[], columns: PrinterColumn[], opts: TableOptions): object {
  const now = opts.now ?? new Date();
  const given = columns.length > 0 ? columns : [AGE_COLUMN];
  const all = given[0]?.name === 'Name' && given[0].jsonPath === '.metadata.name' ? given : [NAME_COLUMN, ...given];
  const builtin = opts.kind ? BUILTINS[opts.kind] : undefined;
  const rows = objects.map((raw) => {
    const obj = raw as JsonObject;
    const cells = all.map((column) => {
      // Only the built-in column objects themselves compute, so a custom kind named like a built-in one is safe.
      const compute = builtin?.columns.includes(column) ? builtin.computed[column.name] : undefined;
      if (compute) return compute(obj);
      return cellFor(column, evaluateJsonPath(obj, column.jsonPath)[0], now);
    });
    const row: JsonObject = { cells };
    if (opts.includeObject === 'Object') row.object = obj;
    else if (opts.includeObject === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
    }
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(opts.listMeta ?? {}) },
    columnDefinitions: all.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows,
  };
}

/** kube's cellForJSONValue: typed columns keep JSON types, dates become ages, mismatches become null. */
function cellFor(column: PrinterColumn, value: unknown, now: Date): Cell {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = Date.parse(value);
      if (Number.isNaN(t)) return '<invalid>';
      return humanDuration(now.getTime() - t);
    }
    default:
      return null;
  }
}

/** Go's k8s.io/apimachinery/pkg/util/duration.HumanDuration, which kubectl shows in the AGE column. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

// ---- JSONPath subset: .field, ['field'], escaped dots, [n], [*], [?(@.path==value)] / != ----

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Step[]; op: '==' | '!='; value: unknown };

/** Evaluates a printer column JSONPath against `root`; returns every match in document order. */
export function evaluateJsonPath(root: unknown, expression: string): unknown[] {
  let expr = expression.trim();
  if (expr.startsWith('{') && expr.endsWith('}')) expr = expr.slice(1, -1).trim();
  if (expr.startsWith('$')) expr = expr.slice(1);
  const steps = parsePath(expr);
  let current: unknown[] = [root];
  for (const step of steps) current = current.flatMap((node) => applyStep(node, step));
  return current;
}

function applyStep(node: unknown, step: Step): unknown[] {
  switch (step.kind) {
    case 'field':
      return node && typeof node === 'object' && !Array.isArray(node) && step.name in node
        ? [(node as JsonObject)[step.name]]
        : [];
    case 'index': {
      if (!Array.isArray(node)) return [];
      const item = node.at(step.index);
      return item === undefined ? [] : [item];
    }
    case 'all':
      if (Array.isArray(node)) return node;
      return node && typeof node === 'object' ? Object.values(node) : [];
    case 'filter': {
      if (!Array.isArray(node)) return [];
      return node.filter((item) => {
        const [found] = step.path.reduce<unknown[]>((acc, s) => acc.flatMap((n) => applyStep(n, s)), [item]);
        const equal = found !== undefined && found === step.value;
        return step.op === '==' ? equal : found !== undefined && !equal;
      });
    }
  }
}

function parsePath(expr: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (ch === '.') {
      i++;
      let name = '';
      while (i < expr.length && expr[i] !== '.' && expr[i] !== '[') {
        if (expr[i] === '\\' && i + 1 < expr.length) i++;
        name += expr[i];
        i++;
      }
      if (name === '*') steps.push({ kind: 'all' });
      else if (name !== '') steps.push({ kind: 'field', name });
    } else if (ch === '[') {
      const end = closingBracket(expr, i);
      const inner = expr.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1)));
      else throw new Error(`unsupported JSONPath segment [${inner}]`);
    } else {
      throw new Error(`unsupported JSONPath expression ${expr}`);
    }
  }
  return steps;
}

function closingBracket(expr: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < expr.length; i++) {
    const ch = expr[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']' && --depth === 0) return i;
  }
  throw new Error(`unbalanced [ in JSONPath ${expr}`);
}

function parseFilter(body: string): Step {
  const match = /^@((?:\.[^=!\s]+)+)\s*(==|!=)\s*(.+)$/.exec(body.trim());
  if (!match) throw new Error(`unsupported JSONPath filter ${body}`);
  const [, path, op, literal] = match as unknown as [string, string, '==' | '!=', string];
  let value: unknown;
  const text = literal.trim();
  if (/^'.*'$/.test(text)) value = text.slice(1, -1);
  else value = JSON.parse(text);
  return { kind: 'filter', path: parsePath(path), op, value };
}
