import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PrinterColumn } from './crd-schema.ts';
import { defaultColumns, evaluateJsonPath, humanDuration, toTable } from './table.ts';
import { formatLabelSelector } from './workload-printers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests navigate results freely
type Any = Record<string, any>;

const NOW = new Date('2026-11-28T12:00:00Z');
const created = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();

const crdColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Provider', type: 'string', jsonPath: '.spec.provider' },
  { name: 'Refresh', type: 'integer', jsonPath: '.spec.refreshSeconds' },
  { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSyncTime' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

const vaultSecret = {
  apiVersion: 'lockstep.dev/v1alpha1',
  kind: 'VaultDynamicSecret',
  metadata: { name: 'db-creds', namespace: 'apps', creationTimestamp: created(200), uid: 'u1' },
  spec: { provider: 'vault', refreshSeconds: 300 },
  status: {
    lastSyncTime: created(5),
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'LeaseExpired' },
    ],
  },
};

describe('Table rendering', () => {
  it('renders a custom resource with its printer columns after Name', () => {
    const table = toTable([vaultSecret], crdColumns, {
      includeObject: 'None',
      now: NOW,
      listMeta: { resourceVersion: '42' },
    }) as Any;
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
    assert.deepEqual(
      table.columnDefinitions.map((c: Any) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Reason', 'string', 1],
        ['Provider', 'string', 0],
        ['Refresh', 'integer', 0],
        ['Last Sync', 'date', 0],
        ['Age', 'date', 0],
      ],
    );
    assert.equal(table.columnDefinitions[0].format, 'name');
    assert.deepEqual(table.rows, [{ cells: ['db-creds', 'False', 'LeaseExpired', 'vault', 300, '5s', '3m20s'] }]);
  });

  it('renders missing values as null and mistyped ones as null', () => {
    const bare = { metadata: { name: 'x', creationTimestamp: created(60) }, spec: { refreshSeconds: 'soon' } };
    const table = toTable([bare], crdColumns, { includeObject: 'None', now: NOW }) as Any;
    assert.deepEqual(table.rows[0].cells, ['x', null, null, null, null, null, '60s']);
  });

  it('gives a custom resource without printer columns the Age column', () => {
    const table = toTable([vaultSecret], [], { includeObject: 'None', now: NOW }) as Any;
    assert.deepEqual(
      table.columnDefinitions.map((c: Any) => c.name),
      ['Name', 'Age'],
    );
    assert.deepEqual(table.rows[0].cells, ['db-creds', '3m20s']);
  });

  it('includes the object or its PartialObjectMetadata as asked', () => {
    const full = toTable([vaultSecret], [], { includeObject: 'Object', now: NOW }) as Any;
    assert.deepEqual(full.rows[0].object, vaultSecret);
    const meta = toTable([vaultSecret], [], { includeObject: 'Metadata', now: NOW }) as Any;
    assert.deepEqual(meta.rows[0].object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: vaultSecret.metadata,
    });
    const none = toTable([vaultSecret], [], { includeObject: 'None', now: NOW }) as Any;
    assert.equal('object' in none.rows[0], false);
  });

  it('renders Secrets like kubectl: name, type, number of data entries, age', () => {
    const secret = {
      kind: 'Secret',
      metadata: { name: 'db', creationTimestamp: created(2 * 86400 + 3 * 3600) },
      type: 'Opaque',
      data: { username: 'dQ==', password: 'cA==' },
    };
    const table = toTable([secret], defaultColumns('Secret'), {
      includeObject: 'None',
      kind: 'Secret',
      now: NOW,
    }) as Any;
    assert.deepEqual(
      table.columnDefinitions.map((c: Any) => c.name),
      ['Name', 'Type', 'Data', 'Age'],
    );
    assert.deepEqual(table.rows[0].cells, ['db', 'Opaque', 2, '2d3h']);
  });

  it('renders the other built-in kinds with their kubectl columns', () => {
    const cases: [string, object, string[], unknown[]][] = [
      [
        'ConfigMap',
        { metadata: { name: 'cm', creationTimestamp: created(10) }, data: { a: '1' }, binaryData: { b: 'AA==' } },
        ['Name', 'Data', 'Age'],
        ['cm', 2, '10s'],
      ],
      [
        'Namespace',
        { metadata: { name: 'apps', creationTimestamp: created(3600) }, status: { phase: 'Active' } },
        ['Name', 'Status', 'Age'],
        ['apps', 'Active', '60m'],
      ],
      [
        'Deployment',
        {
          metadata: { name: 'web', creationTimestamp: created(5 * 3600 + 7 * 60) },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: 'web' } },
            template: {
              spec: {
                containers: [
                  { name: 'web', image: 'nginx:1' },
                  { name: 'log', image: 'busybox:1' },
                ],
              },
            },
          },
          status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
        },
        ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
        ['web', '2/3', 3, 2, '5h7m', 'web,log', 'nginx:1,busybox:1', 'app=web'],
      ],
      [
        'StatefulSet',
        {
          metadata: { name: 'db', creationTimestamp: created(10) },
          spec: { template: { spec: { containers: [{ name: 'db', image: 'postgres:16' }] } } },
          status: { readyReplicas: 1 },
        },
        ['Name', 'Ready', 'Age', 'Containers', 'Images'],
        ['db', '1/1', '10s', 'db', 'postgres:16'],
      ],
      [
        'DaemonSet',
        {
          metadata: { name: 'agent', creationTimestamp: created(10) },
          spec: {
            selector: { matchLabels: { app: 'agent' } },
            template: { spec: { containers: [{ name: 'a', image: 'busybox:1' }] } },
          },
          status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2 },
        },
        [
          'Name',
          'Desired',
          'Current',
          'Ready',
          'Up-to-date',
          'Available',
          'Node Selector',
          'Age',
          'Containers',
          'Images',
          'Selector',
        ],
        ['agent', 2, 2, 1, 2, 0, '<none>', '10s', 'a', 'busybox:1', 'app=agent'],
      ],
      [
        'CustomResourceDefinition',
        { metadata: { name: 'widgets.example.dev', creationTimestamp: '2026-11-28T11:00:00Z' } },
        ['Name', 'Created At'],
        ['widgets.example.dev', '2026-11-28T11:00:00Z'],
      ],
      [
        'ServiceAccount',
        { metadata: { name: 'default', creationTimestamp: created(30 * 86400) } },
        ['Name', 'Secrets', 'Age'],
        ['default', 0, '30d'],
      ],
      [
        'Lease',
        { metadata: { name: 'lockstep-leader', creationTimestamp: created(9) }, spec: { holderIdentity: 'pod-1' } },
        ['Name', 'Holder', 'Age'],
        ['lockstep-leader', 'pod-1', '9s'],
      ],
      ['Pod', { metadata: { name: 'p', creationTimestamp: created(1) } }, ['Name', 'Age'], ['p', '1s']],
    ];
    for (const [kind, obj, names, cells] of cases) {
      const table = toTable([obj], defaultColumns(kind), { includeObject: 'None', kind, now: NOW }) as Any;
      assert.deepEqual(
        table.columnDefinitions.map((c: Any) => c.name),
        names,
        kind,
      );
      assert.deepEqual(table.rows[0].cells, cells, kind);
    }
  });

  it('prints -o wide columns with priority 1, which kubectl shows only with -o wide', () => {
    const table = toTable([], defaultColumns('Deployment'), { includeObject: 'None', kind: 'Deployment' }) as Any;
    assert.deepEqual(
      table.columnDefinitions.filter((c: Any) => c.priority === 1).map((c: Any) => c.name),
      ['Containers', 'Images', 'Selector'],
    );
  });

  it('formats label selectors as metav1.FormatLabelSelector: sorted by key, <none> for everything', () => {
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(
      formatLabelSelector({
        matchLabels: { tier: 'web' },
        matchExpressions: [
          { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
          { key: 'app', operator: 'In', values: ['x'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'env', operator: 'Exists' },
        ],
      }),
      'app in (x),!canary,env,tier=web,zone notin (a,b)',
    );
  });

  it('does not compute built-in cells for a custom kind that shares a built-in name', () => {
    const custom = { metadata: { name: 'c' }, data: { n: 7 } };
    const columns: PrinterColumn[] = [{ name: 'Data', type: 'integer', jsonPath: '.data.n' }];
    const table = toTable([custom], columns, { includeObject: 'None', kind: 'Secret', now: NOW }) as Any;
    assert.deepEqual(table.rows[0].cells, ['c', 7]);
  });

  it('renders an empty list with its columns and no rows', () => {
    const table = toTable([], defaultColumns('Secret'), { includeObject: 'Metadata', kind: 'Secret' }) as Any;
    assert.equal(table.columnDefinitions.length, 4);
    assert.deepEqual(table.rows, []);
  });
});

describe('ages', () => {
  it('uses Go HumanDuration shorthand', () => {
    const s = 1000;
    const m = 60 * s;
    const h = 60 * m;
    const d = 24 * h;
    const expected: [number, string][] = [
      [-5 * s, '<invalid>'],
      [-500, '0s'],
      [5 * s, '5s'],
      [119 * s, '119s'],
      [200 * s, '3m20s'],
      [5 * m, '5m'],
      [45 * m, '45m'],
      [3 * h + 20 * m, '3h20m'],
      [20 * h, '20h'],
      [2 * d + 3 * h, '2d3h'],
      [3 * d, '3d'],
      [100 * d, '100d'],
      [800 * d, '2y70d'],
      [365 * 9 * d, '9y'],
    ];
    for (const [ms, text] of expected) assert.equal(humanDuration(ms), text, `${ms}ms`);
  });
});

describe('printer column JSONPath', () => {
  const obj = {
    metadata: { annotations: { 'lockstep.dev/hash': 'abc' } },
    items: [{ n: 1 }, { n: 2 }],
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it('evaluates fields, indices, wildcards, filters and escaped dots', () => {
    assert.deepEqual(evaluateJsonPath(obj, '.items[1].n'), [2]);
    assert.deepEqual(evaluateJsonPath(obj, '.items[-1].n'), [2]);
    assert.deepEqual(evaluateJsonPath(obj, '.items[*].n'), [1, 2]);
    assert.deepEqual(evaluateJsonPath(obj, '{.status.conditions[?(@.type=="Ready")].status}'), ['True']);
    assert.deepEqual(evaluateJsonPath(obj, ".status.conditions[?(@.type!='Ready')].status"), []);
    assert.deepEqual(evaluateJsonPath(obj, '.metadata.annotations.lockstep\\.dev/hash'), ['abc']);
    assert.deepEqual(evaluateJsonPath(obj, ".metadata.annotations['lockstep.dev/hash']"), ['abc']);
    assert.deepEqual(evaluateJsonPath(obj, '.missing.deeper'), []);
  });
});
