import type { PrinterColumn } from './crd-schema.ts';
import type { MetaLabelSelector } from './selectors.ts';

/**
 * The table columns kube-apiserver's printers (pkg/printers/internalversion) give Deployments,
 * StatefulSets and DaemonSets, `-o wide` ones included (priority 1, which kubectl hides without
 * -o wide), with the cells they compute, and the default convertor's Created At column for
 * CustomResourceDefinitions. The kubectl conformance suite compares them with the real server.
 */

type JsonObject = Record<string, unknown>;
export type Cell = string | number | boolean | null;
export type Printer = { columns: PrinterColumn[]; computed: Record<string, (obj: JsonObject) => Cell> };

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const specOf = (o: JsonObject) => (o.spec ?? {}) as JsonObject;
const statusOf = (o: JsonObject) => (o.status ?? {}) as JsonObject;
// spec.replicas defaults to 1 in the apps/v1 defaulting.
const replicas = (o: JsonObject) => {
  const value = specOf(o).replicas;
  return typeof value === 'number' ? value : 1;
};

/** A printer column; priority 1 is a `-o wide` one. */
export function col(name: string, type: string, jsonPath: string, description: string, priority = 0): PrinterColumn {
  return priority ? { name, type, jsonPath, description, priority } : { name, type, jsonPath, description };
}

function containers(o: JsonObject): { name?: string; image?: string }[] {
  const template = (specOf(o).template ?? {}) as JsonObject;
  const list = ((template.spec ?? {}) as JsonObject).containers;
  return Array.isArray(list) ? list : [];
}

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when it selects everything. */
export function formatLabelSelector(selector: MetaLabelSelector | undefined): string {
  const requirements: [string, string][] = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => [
    k,
    `${k}=${v}`,
  ]);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    const set = `(${[...values].sort().join(',')})`;
    const text =
      operator === 'In'
        ? `${key} in ${set}`
        : operator === 'NotIn'
          ? `${key} notin ${set}`
          : operator === 'Exists'
            ? key
            : `!${key}`;
    requirements.push([key, text]);
  }
  const text = requirements
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, t]) => t)
    .join(',');
  return text === '' ? '<none>' : text;
}

const WIDE_TEMPLATE = {
  columns: [
    col('Containers', 'string', '.spec.template.spec.containers', 'Names of each container in the template.', 1),
    col(
      'Images',
      'string',
      '.spec.template.spec.containers',
      'Images referenced by each container in the template.',
      1,
    ),
  ],
  computed: {
    Containers: (o: JsonObject) =>
      containers(o)
        .map((c) => c.name ?? '')
        .join(','),
    Images: (o: JsonObject) =>
      containers(o)
        .map((c) => c.image ?? '')
        .join(','),
  },
};
const WIDE_SELECTOR = col('Selector', 'string', '.spec.selector', 'Label selector for pods.', 1);
const selectorCell = (o: JsonObject) => formatLabelSelector(specOf(o).selector as MetaLabelSelector | undefined);

/** Printers keyed by kind; `name` and `age` are the Name and Age columns every table shares. */
export function workloadPrinters(name: PrinterColumn, age: PrinterColumn): Record<string, Printer> {
  return {
    Deployment: {
      columns: [
        name,
        col('Ready', 'string', '.status.readyReplicas', 'Number of the pod with ready state.'),
        col(
          'Up-to-date',
          'string',
          '.status.updatedReplicas',
          'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
        ),
        col(
          'Available',
          'string',
          '.status.availableReplicas',
          'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
        ),
        age,
        ...WIDE_TEMPLATE.columns,
        WIDE_SELECTOR,
      ],
      computed: {
        Ready: (o) => `${num(statusOf(o).readyReplicas)}/${replicas(o)}`,
        'Up-to-date': (o) => num(statusOf(o).updatedReplicas),
        Available: (o) => num(statusOf(o).availableReplicas),
        ...WIDE_TEMPLATE.computed,
        Selector: selectorCell,
      },
    },
    StatefulSet: {
      columns: [
        name,
        col('Ready', 'string', '.status.readyReplicas', 'Number of the pod with ready state.'),
        age,
        ...WIDE_TEMPLATE.columns,
      ],
      computed: { Ready: (o) => `${num(statusOf(o).readyReplicas)}/${replicas(o)}`, ...WIDE_TEMPLATE.computed },
    },
    DaemonSet: {
      columns: [
        name,
        col('Desired', 'integer', '.status.desiredNumberScheduled', 'The desired number of nodes running the pod.'),
        col('Current', 'integer', '.status.currentNumberScheduled', 'The number of nodes running the pod.'),
        col('Ready', 'integer', '.status.numberReady', 'The number of nodes running the pod Ready.'),
        col('Up-to-date', 'integer', '.status.updatedNumberScheduled', 'The number of nodes running the new pod.'),
        col('Available', 'integer', '.status.numberAvailable', 'The number of nodes running the pod available.'),
        col('Node Selector', 'string', '.spec.template.spec.nodeSelector', 'The pod template node selector.'),
        age,
        ...WIDE_TEMPLATE.columns,
        WIDE_SELECTOR,
      ],
      computed: {
        Desired: (o) => num(statusOf(o).desiredNumberScheduled),
        Current: (o) => num(statusOf(o).currentNumberScheduled),
        Ready: (o) => num(statusOf(o).numberReady),
        'Up-to-date': (o) => num(statusOf(o).updatedNumberScheduled),
        Available: (o) => num(statusOf(o).numberAvailable),
        'Node Selector': (o) => {
          const template = (specOf(o).template ?? {}) as JsonObject;
          const nodeSelector = ((template.spec ?? {}) as JsonObject).nodeSelector as Record<string, string> | undefined;
          return formatLabelSelector({ matchLabels: nodeSelector });
        },
        ...WIDE_TEMPLATE.computed,
        Selector: selectorCell,
      },
    },
    // rest.DefaultTableConvertor: the creation time as RFC 3339, not an age.
    CustomResourceDefinition: {
      columns: [name, col('Created At', 'date', '.metadata.creationTimestamp', 'Creation time of the object.')],
      computed: {
        'Created At': (o) => {
          const created = (o.metadata as JsonObject | undefined)?.creationTimestamp;
          return typeof created === 'string' ? created : null;
        },
      },
    },
  };
}
