// What `kubectl get` shows for every Lockstep kind on a real kube-apiserver: one object of
// each kind with the status a healthy controller writes (Ready, expiry and rotation times in
// the future, capabilities, serial), then every printer column must read as a value. The
// server formats the cells (a `date` column becomes an age, `<invalid>` for a future
// instant), so only the real one proves the columns read right.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireTestCluster, applyCrds, type TestCluster } from '@lockstep/sandbox';
import { parse, stringify } from 'yaml';
import { KUBECTL, REPO_ROOT, requireTool, run } from './helm-chart.ts';
import { type KubectlTable, parseKubectlTables } from './kubectl-table.ts';

const CRD_DIR = join(REPO_ROOT, 'crds');
const NAMESPACE = 'printer-columns';
const CLUSTER_PREFIX = 'printer-columns-';

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

interface Crd {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  columns: PrinterColumn[];
}

function readCrds(): Crd[] {
  return readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const crd = parse(readFileSync(join(CRD_DIR, file), 'utf8'));
      const version = crd.spec.versions.find((v: { storage: boolean }) => v.storage);
      return {
        group: crd.spec.group,
        version: version.name,
        kind: crd.spec.names.kind,
        plural: crd.spec.names.plural,
        namespaced: crd.spec.scope === 'Namespaced',
        columns: version.additionalPrinterColumns ?? [],
      };
    });
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const now = Date.now();
const HOUR = 3_600_000;

function ready(reason: string, message: string) {
  return [{ type: 'Ready', status: 'True', reason, message, lastTransitionTime: rfc3339(now), observedGeneration: 1 }];
}

const vaultProvider = {
  server: 'https://vault.example:8200',
  auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
};

/** A minimal valid spec and the status a healthy controller writes, per `group/kind`. */
const OBJECTS: Record<string, { spec: object; status: object }> = {
  'external.lockstep.dev/SecretStore': {
    spec: { provider: { fake: { data: [{ key: 'k', value: 'v' }] } } },
    status: { capabilities: 'ReadWrite', conditions: ready('Valid', 'store validated') },
  },
  'external.lockstep.dev/ClusterSecretStore': {
    spec: { provider: { fake: { data: [{ key: 'k', value: 'v' }] } } },
    status: { capabilities: 'ReadOnly', conditions: ready('Valid', 'store validated') },
  },
  'external.lockstep.dev/ExternalSecret': {
    spec: { secretStoreRef: { name: 'store', kind: 'SecretStore' }, target: { name: 'es-out' } },
    status: { refreshTime: rfc3339(now), syncedResourceVersion: '1-abc', conditions: ready('SecretSynced', 'synced') },
  },
  'external.lockstep.dev/ClusterExternalSecret': {
    spec: {
      externalSecretSpec: { secretStoreRef: { name: `${CLUSTER_PREFIX}store`, kind: 'ClusterSecretStore' } },
      namespaceSelectors: [{ matchLabels: { team: 'printer-columns' } }],
    },
    status: {
      externalSecretName: `${CLUSTER_PREFIX}ces`,
      provisionedNamespaces: [NAMESPACE],
      conditions: ready('Ready', 'provisioned in 1 namespace'),
    },
  },
  'external.lockstep.dev/PushSecret': {
    spec: { secretStoreRefs: [{ name: 'store', kind: 'SecretStore' }], selector: { secret: { name: 'source' } } },
    status: { refreshTime: rfc3339(now), conditions: ready('Synced', 'pushed') },
  },
  'external.lockstep.dev/ClusterPushSecret': {
    spec: {
      refreshTime: '1m',
      namespaceSelectors: [{ matchLabels: { team: 'printer-columns' } }],
      pushSecretSpec: {
        refreshInterval: '1h',
        updatePolicy: 'Replace',
        deletionPolicy: 'None',
        secretStoreRefs: [{ name: 'store', kind: 'SecretStore' }],
        selector: { secret: { name: 'source' } },
      },
    },
    status: {
      pushSecretName: `${CLUSTER_PREFIX}cps`,
      provisionedNamespaces: [NAMESPACE],
      conditions: ready('Ready', 'provisioned in 1 namespace'),
    },
  },
  'generators.lockstep.dev/ClusterGenerator': {
    spec: { kind: 'UUID', generator: { uuidSpec: {} } },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/UUID': { spec: {}, status: { conditions: ready('Valid', 'generator valid') } },
  'generators.lockstep.dev/SSHKey': {
    spec: { keyType: 'ed25519' },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/STSSessionToken': {
    spec: { region: 'eu-west-1' },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/ECRAuthorizationToken': {
    spec: { region: 'eu-west-1' },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/Webhook': {
    spec: { url: 'https://hooks.example/{{ .remoteRef.key }}', result: { jsonPath: '$.value' } },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/GeneratorState': {
    spec: {
      garbageCollectionDeadline: rfc3339(now + HOUR),
      resource: { apiVersion: 'generators.lockstep.dev/v1alpha1', kind: 'UUID', name: 'id' },
      state: { keys: ['uuid'], secretMAC: 'mac', specVersion: '1' },
    },
    status: { conditions: ready('Valid', 'state recorded') },
  },
  'generators.lockstep.dev/Fake': {
    spec: { data: { k: 'v' } },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/Password': {
    spec: {},
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'generators.lockstep.dev/VaultDynamicSecret': {
    spec: { path: 'database/creds/app', provider: vaultProvider },
    status: { conditions: ready('Valid', 'generator valid') },
  },
  'vault.lockstep.dev/VaultConnection': {
    spec: { address: 'https://vault.example:8200' },
    status: { valid: true, conditions: ready('Valid', 'Vault reachable') },
  },
  'vault.lockstep.dev/VaultAuth': {
    spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'default' } },
    status: { valid: true, specHash: 'abc', conditions: ready('Valid', 'logged in') },
  },
  'vault.lockstep.dev/VaultStaticSecret': {
    spec: { mount: 'kv', path: 'app/config', type: 'kv-v2', destination: { name: 'vss-out', create: true } },
    status: { lastGeneration: 1, secretMAC: 'mac', conditions: ready('SecretSynced', 'synced') },
  },
  'vault.lockstep.dev/VaultDynamicSecret': {
    spec: { mount: 'database', path: 'creds/app', destination: { name: 'vds-out', create: true } },
    status: {
      lastGeneration: 1,
      leaseExpiry: rfc3339(now + HOUR),
      nextRotation: rfc3339(now + 0.67 * HOUR),
      secretLease: { id: 'database/creds/app/abc', duration: 3600, renewable: true, requestID: 'req-1' },
      conditions: ready('SecretSynced', 'lease issued'),
    },
  },
  'vault.lockstep.dev/VaultPKISecret': {
    spec: {
      mount: 'pki',
      role: 'web',
      commonName: 'web.example.com',
      destination: { name: 'vpki-out', create: true },
    },
    status: {
      valid: true,
      serialNumber: '3a:4b:5c:6d',
      certificateExpiry: rfc3339(now + 24 * HOUR),
      nextRotation: rfc3339(now + 16 * HOUR),
      expiration: Math.floor((now + 24 * HOUR) / 1000),
      lastGeneration: 1,
      conditions: ready('CertificateIssued', 'certificate issued'),
    },
  },
};

const CRDS = readCrds();
const keyOf = (crd: Crd) => `${crd.group}/${crd.kind}`;
const nameOf = (crd: Crd) => (crd.namespaced ? crd.plural : `${CLUSTER_PREFIX}${crd.plural}`);

// Status fields that hold an instant in the future: a `date` column on one renders `<invalid>`.
const FUTURE_INSTANT = /expir|next|until|notafter|renew|due|deadline/i;

describe('printer columns in the generated CRDs', () => {
  it('has an object with status for every Lockstep kind, so the kubectl checks cover them all', () => {
    assert.deepEqual(CRDS.map(keyOf).sort(), Object.keys(OBJECTS).sort());
  });

  it('shows no future instant (expiry, next rotation) as a date column, which kubectl renders as an age', () => {
    for (const crd of CRDS) {
      for (const column of crd.columns.filter((c) => c.type === 'date')) {
        assert.doesNotMatch(
          column.jsonPath,
          FUTURE_INSTANT,
          `${crd.kind} column ${column.name} (${column.jsonPath}) is type date: a future instant reads <invalid>; use type string`,
        );
      }
    }
  });
});

describe('printer columns on the real kube-apiserver, read with kubectl', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let dir: string;
  let kubeconfig: string;
  /** Each object as the server holds it (defaults applied), by `group/kind`. */
  const stored = new Map<string, Record<string, unknown>>();

  const kubectl = async (...args: string[]) => {
    const result = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args]);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    requireTool(KUBECTL);
    cluster = await acquireTestCluster('printer columns');
    dir = await mkdtemp(join(tmpdir(), 'lockstep-printer-columns-'));
    kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    // The columns under test are the ones in crds/ now, even on a cluster started before a `make manifests`.
    await applyCrds(cluster.kubeconfig(), [CRD_DIR]);
    await kubectl('create', 'namespace', NAMESPACE);
    const items = CRDS.map((crd) => ({
      apiVersion: `${crd.group}/${crd.version}`,
      kind: crd.kind,
      metadata: { name: nameOf(crd), ...(crd.namespaced ? { namespace: NAMESPACE } : {}) },
      spec: OBJECTS[keyOf(crd)]?.spec,
    }));
    // One document each: kubectl validates a `List` on the client against the OpenAPI v2
    // schema, which calls a required field with a default missing.
    await writeFile(join(dir, 'objects.yaml'), items.map((item) => stringify(item)).join('---\n'));
    await kubectl('create', '-f', join(dir, 'objects.yaml'));
    for (const crd of CRDS) {
      const where = crd.namespaced ? ['-n', NAMESPACE] : [];
      const status = JSON.stringify({ status: OBJECTS[keyOf(crd)]?.status });
      const resource = `${crd.plural}.${crd.group}`;
      await kubectl('patch', resource, nameOf(crd), ...where, '--subresource=status', '--type=merge', '-p', status);
      stored.set(keyOf(crd), JSON.parse(await kubectl('get', resource, nameOf(crd), ...where, '-o', 'json')));
    }
  });

  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Asserts that each of `columns` in `row` shows the value the stored object holds, formatted as kubectl does. */
  function assertRow(crd: Crd, table: KubectlTable, rowName: string, columns: PrinterColumn[]): void {
    const object = stored.get(keyOf(crd));
    const row = table.rows.find((r) => r.NAME === rowName);
    assert.ok(row, `${crd.kind}: no row ${rowName} in\n${table.text}`);
    assert.match(row.AGE ?? '', AGE_FORMAT, `${crd.kind}: Age shows how old the object is\n${table.text}`);
    for (const column of columns) {
      const header = column.name.toUpperCase();
      const cell: string | undefined = row[header];
      const where = `${crd.kind} column ${column.name} (${column.jsonPath})`;
      assert.ok(cell !== undefined, `${where}: no ${header} column in\n${table.text}`);
      assert.ok(cell !== '' && !/^<(invalid|none|unknown)>$/.test(cell), `${where} shows "${cell}"\n${table.text}`);
      const value = readColumn(object, column.jsonPath);
      assert.ok(value !== undefined, `${where}: the test's status lacks this field; fill it in OBJECTS`);
      if (column.type === 'date') {
        assert.match(cell, AGE_FORMAT, `${where}: an age`);
      } else {
        assert.equal(cell, String(value), where);
        if (FUTURE_INSTANT.test(column.jsonPath)) {
          const instant = Date.parse(cell);
          assert.ok(!Number.isNaN(instant), `${where}: "${cell}" parses as a timestamp`);
          assert.ok(instant > now, `${where}: "${cell}" is the future instant the status holds`);
        }
      }
    }
  }

  for (const crd of CRDS) {
    it(`kubectl get ${crd.plural} -o wide shows every column of ${crd.kind}${crd.namespaced ? ', also with -A' : ''}`, async () => {
      const where = crd.namespaced ? ['-n', NAMESPACE] : [];
      const resource = `${crd.plural}.${crd.group}`;
      const [wide] = parseKubectlTables(await kubectl('get', resource, ...where, '-o', 'wide'));
      assert.ok(wide);
      assertRow(crd, wide, nameOf(crd), crd.columns);
      const [narrow] = parseKubectlTables(await kubectl('get', resource, ...where));
      assert.ok(narrow);
      const shown = crd.columns.filter((c) => (c.priority ?? 0) === 0);
      assertRow(crd, narrow, nameOf(crd), shown);
      for (const hidden of crd.columns.filter((c) => (c.priority ?? 0) > 0)) {
        assert.ok(!narrow.headers.includes(hidden.name.toUpperCase()), `${hidden.name} only with -o wide`);
      }
      if (crd.namespaced) {
        const [all] = parseKubectlTables(await kubectl('get', resource, '-A', '-o', 'wide'));
        assert.ok(all);
        assert.equal(all.headers[0], 'NAMESPACE');
        assert.equal(all.rows.find((r) => r.NAME === nameOf(crd))?.NAMESPACE, NAMESPACE);
        assertRow(crd, all, nameOf(crd), crd.columns);
      }
    });
  }

  it('kubectl get lockstep -A lists every kind through the category, with its default columns', async () => {
    const output = await kubectl('get', 'lockstep', '-A');
    const tables = parseKubectlTables(output);
    for (const crd of CRDS) {
      const rowName = `${crd.kind.toLowerCase()}.${crd.group}/${nameOf(crd)}`;
      const table = tables.find((t) => t.rows.some((r) => r.NAME === rowName));
      assert.ok(table, `${crd.kind}: no row ${rowName} in kubectl get lockstep -A`);
      // kubectl prints a NAMESPACE column for a cluster-scoped kind that follows namespaced kinds
      // of its group (ClusterGenerator); the cell is then empty.
      const namespaceCell =
        table.headers[0] === 'NAMESPACE' ? table.rows.find((r) => r.NAME === rowName)?.NAMESPACE : undefined;
      assert.equal(Boolean(namespaceCell), crd.namespaced, `${crd.kind}: a namespace iff namespaced in\n${output}`);
      assertRow(
        crd,
        table,
        rowName,
        crd.columns.filter((c) => (c.priority ?? 0) === 0),
      );
    }
  });
});

// duration.HumanDuration: 5s, 2m3s, 10m, 3h4m, 2d, 1y30d; never <invalid> for a past instant.
const AGE_FORMAT = /^(\d+[smhdy])+$/;

/** The printer-column JSONPath forms the CRDs use: `.a.b` and `.conditions[?(@.type=="Ready")].status`. */
function readColumn(object: unknown, jsonPath: string): unknown {
  const match = /^((?:\.\w+)+?)(?:\[\?\(@\.(\w+)=="([^"]+)"\)\]((?:\.\w+)+))?$/.exec(jsonPath);
  assert.ok(match, `printer column JSONPath ${jsonPath}: teach readColumn this form`);
  const [, path = '', filterField, filterValue, rest = ''] = match;
  const walk = (from: unknown, dotted: string) =>
    dotted
      .split('.')
      .filter(Boolean)
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], from);
  const value = walk(object, path);
  if (filterField === undefined) return value;
  const item = (value as Record<string, unknown>[] | undefined)?.find((i) => i[filterField] === filterValue);
  return walk(item, rest);
}
