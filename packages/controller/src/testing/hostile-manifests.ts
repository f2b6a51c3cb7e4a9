// A table of hostile manifests for every kind of both models, generated from the CRD schemas
// in crds/: each field the schema declares gets one mutation chosen by its type (huge string,
// control and bidirectional-override characters, wrong type, absurd duration, negative or huge
// number, huge array, deep nesting, many keys), on top of a small valid base per kind. Hand
// written rows add what a schema walk cannot think of: cyclic references, self-referencing and
// runaway templates, 1 MiB values, and targets that name Secrets the controller does not own.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../chart/helm-chart.ts';
import {
  clusterSecretStore,
  EXTERNAL,
  externalSecret,
  GENERATORS,
  type Obj,
  secretStore,
  VAULT,
} from './external-resources.ts';

export interface HostileRow {
  /** What the row tries, for failure messages. */
  what: string;
  manifest: Obj;
}

export interface HostileContext {
  namespace: string;
  /** Unique to the run; names cluster-scoped objects and the namespace label CES selectors use. */
  id: string;
  /** A fake SecretStore in `namespace` with key `k`. */
  fakeStore: string;
  /** Secrets in `namespace` that nobody owns; rows target them and must leave them alone. */
  unowned: string[];
}

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

interface Crd {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  spec: Schema;
}

const ROWS_PER_KIND = 16;
const KIB = 1024;
const MIB = 1024 * KIB;

/** The kinds in crds/, with the schema of their spec. */
export function crdsOnDisk(): Crd[] {
  const dir = join(REPO_ROOT, 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const crd = parse(readFileSync(join(dir, f), 'utf8'));
      const version = crd.spec.versions.find((v: { storage?: boolean }) => v.storage) ?? crd.spec.versions[0];
      return {
        apiVersion: `${crd.spec.group}/${version.name}`,
        kind: crd.spec.names.kind,
        namespaced: crd.spec.scope === 'Namespaced',
        spec: version.schema.openAPIV3Schema.properties.spec as Schema,
      };
    });
}

/** A small spec per kind that the API server accepts, so each mutation is the only thing wrong. */
function baseSpec(crd: Crd, ctx: HostileContext, target: string): object {
  const es = {
    secretStoreRef: { name: ctx.fakeStore },
    refreshInterval: '1h',
    target: { name: target },
    data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
  };
  const fake = { fake: { data: [{ key: 'k', value: 'hostile-base-value' }] } };
  const vaultServer = 'https://vault.example.invalid:8200';
  const destination = { name: target, create: true };
  const awsKeys = {
    secretRef: {
      accessKeyIDSecretRef: { name: 'aws-creds', key: 'access-key' },
      secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret-access-key' },
    },
  };
  const bases: Record<string, object> = {
    [`${EXTERNAL}/ExternalSecret`]: es,
    [`${EXTERNAL}/SecretStore`]: { provider: fake },
    [`${EXTERNAL}/ClusterSecretStore`]: { provider: fake, conditions: [{ namespaces: [ctx.namespace] }] },
    [`${EXTERNAL}/ClusterExternalSecret`]: {
      externalSecretSpec: es,
      externalSecretName: target,
      namespaceSelectors: [{ matchLabels: { 'lockstep-hostile': ctx.id } }],
      refreshTime: '1h',
    },
    [`${EXTERNAL}/PushSecret`]: {
      secretStoreRefs: [{ name: ctx.fakeStore }],
      selector: { secret: { name: target } },
      data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: 'k' } } }],
    },
    [`${EXTERNAL}/ClusterPushSecret`]: {
      pushSecretName: target,
      namespaceSelectors: [{ matchLabels: { 'lockstep-hostile': ctx.id } }],
      refreshTime: '1h',
      pushSecretSpec: {
        refreshInterval: '1h',
        updatePolicy: 'Replace',
        deletionPolicy: 'None',
        secretStoreRefs: [{ name: ctx.fakeStore }],
        selector: { secret: { name: target } },
        data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: 'k' } } }],
      },
    },
    [`${GENERATORS}/ClusterGenerator`]: { kind: 'Password', generator: { passwordSpec: { length: 24 } } },
    [`${GENERATORS}/UUID`]: {},
    [`${GENERATORS}/SSHKey`]: { keyType: 'ed25519' },
    [`${GENERATORS}/STSSessionToken`]: { region: 'us-east-1', auth: awsKeys },
    [`${GENERATORS}/ECRAuthorizationToken`]: { region: 'us-east-1', auth: awsKeys },
    [`${GENERATORS}/Webhook`]: {
      url: 'https://hooks.example.invalid/{{ .remoteRef.key }}',
      result: { jsonPath: '$.v' },
    },
    [`${GENERATORS}/GeneratorState`]: {
      resource: { apiVersion: GENERATORS, kind: 'UUID', name: target },
      state: { keys: ['uuid'] },
    },
    [`${GENERATORS}/Fake`]: { data: { k: 'v' } },
    [`${GENERATORS}/Password`]: { length: 24 },
    [`${GENERATORS}/VaultDynamicSecret`]: {
      path: 'database/creds/app',
      provider: { server: vaultServer, auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } } },
    },
    [`${VAULT}/VaultConnection`]: { address: vaultServer },
    [`${VAULT}/VaultAuth`]: {
      method: 'kubernetes',
      mount: 'kubernetes',
      kubernetes: { role: 'r', serviceAccount: 'default' },
    },
    [`${VAULT}/VaultStaticSecret`]: {
      vaultAuthRef: 'hostile-auth',
      mount: 'kv',
      path: 'app',
      type: 'kv-v2',
      destination,
    },
    [`${VAULT}/VaultDynamicSecret`]: { vaultAuthRef: 'hostile-auth', mount: 'db', path: 'creds/app', destination },
    [`${VAULT}/VaultPKISecret`]: {
      vaultAuthRef: 'hostile-auth',
      mount: 'pki',
      role: 'r',
      commonName: 'app.example.com',
      destination,
    },
  };
  const base = bases[`${crd.apiVersion}/${crd.kind}`];
  if (!base) throw new Error(`no base spec for ${crd.kind}: add one to hostile-manifests.ts`);
  return base;
}

/** Field paths of a schema; `[]` stands for the first element of an array. */
function leaves(schema: Schema, path: string[] = [], out: Array<{ path: string[]; schema: Schema }> = []) {
  if (path.length > 6) return out;
  if (schema.type === 'object' && schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) leaves(child, [...path, key], out);
    if (path.length > 0) out.push({ path, schema });
  } else if (schema.type === 'array' && schema.items) {
    out.push({ path, schema });
    leaves(schema.items, [...path, '[]'], out);
  } else {
    out.push({ path, schema });
  }
  return out;
}

const DURATION_FIELD = /interval|ttl|duration|refresh|timeout|offset|after|period/i;

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** One hostile value for a field of this schema; `n` rotates through the ideas for its type. */
function hostileValue(schema: Schema, field: string, n: number): { label: string; value: unknown } {
  const strings: Array<[string, () => unknown]> = [
    ['a 64 KiB string', () => 'x'.repeat(64 * KIB)],
    ['control characters and a right-to-left override', () => `a\u0000b\u0007c\u202Eevil\u200F\uFEFF`],
    ['a number instead of a string', () => 12345],
    ['an object instead of a string', () => ({ nested: { deeper: true } })],
    ['an absurd duration', () => (DURATION_FIELD.test(field) ? '9999999999999h' : '-1s')],
    ['an empty string', () => ''],
    ['unicode look-alikes and emoji', () => 'ѕесrеt-🔑-名前-\u0301\u0301\u0301'],
    ['a negative duration', () => '-87600h'],
  ];
  const numbers: Array<[string, () => unknown]> = [
    ['a negative number', () => -1],
    ['a huge number', () => 9007199254740991],
    ['a string instead of a number', () => 'many'],
    ['a fraction', () => 0.5],
  ];
  const arrays: Array<[string, () => unknown]> = [
    [
      'a 5000-element array',
      () => Array.from({ length: 5000 }, (_, i) => (schema.items?.type === 'string' ? `v${i}` : { i })),
    ],
    ['a string instead of an array', () => 'not-a-list'],
    ['an array nested 100 deep', () => nested(100)],
  ];
  const objects: Array<[string, () => unknown]> = [
    ['an object nested 100 deep', () => nested(100)],
    ['2000 keys', () => Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key-${i}`, `value-${i}`]))],
    [
      'keys with a right-to-left override and control characters',
      () => ({ '\u202Etxt.exe': 'x', 'a\u0007b': 'y', '../../etc': 'z' }),
    ],
    ['a string instead of an object', () => 'not-an-object'],
  ];
  const pick = (ideas: Array<[string, () => unknown]>) => {
    const [label, make] = ideas[n % ideas.length] as [string, () => unknown];
    return { label, value: make() };
  };
  if (schema.enum) return n % 2 ? { label: 'a value outside the enum', value: 'NotOneOfThem' } : pick(strings);
  if (schema.type === 'string') return pick(strings);
  if (schema.type === 'integer' || schema.type === 'number') return pick(numbers);
  if (schema.type === 'boolean') return { label: 'a string instead of a boolean', value: 'yes' };
  if (schema.type === 'array') return pick(arrays);
  return pick(objects);
}

function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let at: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    const last = i === path.length - 1;
    const nextIsArray = path[i + 1] === '[]';
    const slot = key === '[]' ? 0 : key;
    const container = at as Record<string | number, unknown>;
    if (last) {
      container[slot] = value;
      return;
    }
    const existing = container[slot];
    if (existing === undefined || typeof existing !== 'object' || existing === null) {
      container[slot] = nextIsArray ? [] : {};
    } else if (nextIsArray && !Array.isArray(existing)) {
      container[slot] = [];
    }
    at = container[slot] as Record<string, unknown>;
  }
}

function manifest(crd: Crd, ctx: HostileContext, name: string, spec: object): Obj {
  return {
    apiVersion: crd.apiVersion,
    kind: crd.kind,
    metadata: crd.namespaced ? { name, namespace: ctx.namespace } : { name },
    spec,
  };
}

/** Rows generated from the schemas: ROWS_PER_KIND fields of each kind, spread over its field list. */
export function schemaRows(ctx: HostileContext): HostileRow[] {
  const rows: HostileRow[] = [];
  for (const crd of crdsOnDisk()) {
    // A cluster kind's selectors decide which namespaces it writes into: keep them on this run's label.
    const fields = leaves(crd.spec).filter(
      (l) => !(['ClusterExternalSecret', 'ClusterPushSecret'].includes(crd.kind) && l.path[0] === 'namespaceSelectors'),
    );
    const step = Math.max(1, fields.length / ROWS_PER_KIND);
    for (let i = 0; i < ROWS_PER_KIND && Math.floor(i * step) < fields.length; i++) {
      const field = fields[Math.floor(i * step)] as { path: string[]; schema: Schema };
      const name = `h-${crd.kind.toLowerCase().slice(0, 18)}-${ctx.id}-${i}`;
      const spec = structuredClone(baseSpec(crd, ctx, name)) as Record<string, unknown>;
      const { label, value } = hostileValue(field.schema, field.path.join('.'), i);
      setPath(spec, field.path, value);
      rows.push({
        what: `${crd.kind} spec.${field.path.join('.')}: ${label}`,
        manifest: manifest(crd, ctx, name, spec),
      });
    }
  }
  return rows;
}

/** Rows no schema walk produces: cycles, runaway templates, 1 MiB values, unowned targets, hostile names. */
export function handWrittenRows(ctx: HostileContext): HostileRow[] {
  const ns = ctx.namespace;
  const es = (name: string, spec: object): Obj =>
    externalSecret(ns, name, { secretStoreRef: { name: ctx.fakeStore }, refreshInterval: '1h', ...spec });
  const fromFake = { data: [{ secretKey: 'k', remoteRef: { key: 'k' } }] };
  const vault = (kind: string, name: string, spec: object): Obj => ({
    apiVersion: VAULT,
    kind,
    metadata: { name, namespace: ns },
    spec,
  });
  const templated = (name: string, text: string) =>
    es(name, { ...fromFake, target: { name, template: { data: { out: text } } } });
  const rows: HostileRow[] = [
    { what: 'a 512 KiB template', manifest: templated('t-giant', `{{ .k }}${'{{ "x" }}'.repeat((512 * KIB) / 9)}`) },
    { what: 'a range over 2^31 items', manifest: templated('t-range', '{{ range $i := until 2147483647 }}x{{ end }}') },
    {
      what: 'nested ranges of 10^5 × 10^5',
      manifest: templated('t-nested-range', '{{ range until 100000 }}{{ range until 100000 }}y{{ end }}{{ end }}'),
    },
    { what: 'repeat 10^9', manifest: templated('t-repeat', '{{ repeat 1000000000 "x" }}') },
    {
      what: 'a template that includes itself forever',
      manifest: templated('t-recursive', '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}'),
    },
    {
      what: 'a catastrophic regex in a template',
      manifest: templated('t-regex', `{{ regexMatch "(a+)+$" "${'a'.repeat(5000)}b" }}`),
    },
    {
      what: 'an ExternalSecret whose template reads its own target Secret',
      manifest: es('t-self', {
        ...fromFake,
        target: {
          name: 't-self',
          template: { templateFrom: [{ secret: { name: 't-self', items: [{ key: 'out' }] } }] },
        },
      }),
    },
    {
      what: 'a store→Secret→store cycle: a kubernetes store reading the Secret its ExternalSecret writes',
      manifest: secretStore(ns, 'cycle-store', {
        kubernetes: { remoteNamespace: ns, auth: { serviceAccount: { name: 'default' } } },
      }),
    },
    {
      what: 'the ExternalSecret of that cycle',
      manifest: es('cycle-a', {
        secretStoreRef: { name: 'cycle-store' },
        refreshInterval: '1s',
        data: [{ secretKey: 'k', remoteRef: { key: 'cycle-b' } }],
      }),
    },
    {
      what: 'its mirror image (A reads B, B reads A)',
      manifest: es('cycle-b', {
        secretStoreRef: { name: 'cycle-store' },
        refreshInterval: '1s',
        data: [{ secretKey: 'k', remoteRef: { key: 'cycle-a' } }],
      }),
    },
    {
      what: 'a fake store with a 1 MiB value',
      manifest: secretStore(ns, 'mib-store', { fake: { data: [{ key: 'big', value: 'm'.repeat(MIB - 4 * KIB) }] } }),
    },
    {
      what: 'an ExternalSecret syncing that 1 MiB value twice into one Secret',
      manifest: es('mib', {
        secretStoreRef: { name: 'mib-store' },
        data: [
          { secretKey: 'a', remoteRef: { key: 'big' } },
          { secretKey: 'b', remoteRef: { key: 'big' } },
        ],
      }),
    },
    {
      what: 'a fake store with 1000 keys of 1 KiB',
      manifest: secretStore(ns, 'many-store', {
        fake: { data: Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: `${i}`.padEnd(KIB, 'v') })) },
      }),
    },
    {
      what: 'dataFrom find with a catastrophic regex over 1000 keys',
      manifest: es('find-regex', {
        secretStoreRef: { name: 'many-store' },
        dataFrom: [{ find: { name: { regexp: '^(k|k?)+(0|00)+x$' } } }],
      }),
    },
    {
      what: 'a secretKey with a right-to-left override',
      manifest: es('key-rtl', { data: [{ secretKey: '\u202Etxt.exe', remoteRef: { key: 'k' } }] }),
    },
    {
      what: 'a secretKey with a path traversal',
      manifest: es('key-dots', { data: [{ secretKey: '../../etc/passwd', remoteRef: { key: 'k' } }] }),
    },
    {
      what: 'a 300-character secretKey',
      manifest: es('key-long', { data: [{ secretKey: 'k'.repeat(300), remoteRef: { key: 'k' } }] }),
    },
    {
      what: 'target labels with control characters',
      manifest: es('label-ctl', {
        ...fromFake,
        target: { name: 'label-ctl', template: { metadata: { labels: { 'a\u0007b': 'c\u202E' } } } },
      }),
    },
    { what: 'a name with unicode', manifest: es('näme-\u202E', fromFake) },
    { what: 'a 300-character name', manifest: es('n'.repeat(300), fromFake) },
    ...['1ns', '-1s', '9999999999999h', '1e308h', 'forever', '0.0000001s'].map((d, i) => ({
      what: `refreshInterval ${d}`,
      manifest: es(`refresh-${i}`, { ...fromFake, refreshInterval: d }),
    })),
    {
      what: 'a store that does not exist yet',
      manifest: es('no-store', { ...fromFake, secretStoreRef: { name: 'missing-store' } }),
    },
    {
      what: 'a generator with a billion-character password',
      manifest: {
        apiVersion: GENERATORS,
        kind: 'Password',
        metadata: { name: 'pw-huge', namespace: ns },
        spec: { length: 1_000_000_000 },
      },
    },
    {
      what: 'an ExternalSecret using that generator',
      manifest: es('pw-huge', {
        dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind: 'Password', name: 'pw-huge' } } }],
      }),
    },
    {
      what: 'a password with more digits than characters',
      manifest: {
        apiVersion: GENERATORS,
        kind: 'Password',
        metadata: { name: 'pw-digits', namespace: ns },
        spec: { length: 4, digits: 40, symbols: 40 },
      },
    },
    {
      what: 'an ExternalSecret using that one',
      manifest: es('pw-digits', {
        dataFrom: [{ sourceRef: { generatorRef: { apiVersion: GENERATORS, kind: 'Password', name: 'pw-digits' } } }],
      }),
    },
    {
      what: 'a ClusterSecretStore whose namespaceRegexes backtrack catastrophically',
      manifest: clusterSecretStore(
        `h-regex-css-${ctx.id}`,
        { fake: { data: [{ key: 'k', value: 'v' }] } },
        { conditions: [{ namespaceRegexes: ['^(a|aa)+$', `^(${'a?'.repeat(30)})${'a'.repeat(30)}$`] }] },
      ),
    },
    {
      what: 'an ExternalSecret on that ClusterSecretStore',
      manifest: es('css-regex', {
        ...fromFake,
        secretStoreRef: { name: `h-regex-css-${ctx.id}`, kind: 'ClusterSecretStore' },
      }),
    },
    {
      what: 'a VaultAuth whose connection is itself-named and missing',
      manifest: vault('VaultAuth', 'hostile-auth', {
        method: 'kubernetes',
        mount: 'k8s',
        vaultConnectionRef: 'hostile-auth',
        kubernetes: { role: 'r', serviceAccount: 'default' },
      }),
    },
    {
      what: 'a VaultDynamicSecret with renewalPercent 1000',
      manifest: vault('VaultDynamicSecret', 'vds-percent', {
        vaultAuthRef: 'hostile-auth',
        mount: 'db',
        path: 'creds/x',
        renewalPercent: 1000,
        destination: { name: 'vds-percent', create: true },
      }),
    },
    {
      what: 'a VaultPKISecret with 10000 altNames and an absurd ttl',
      manifest: vault('VaultPKISecret', 'pki-alt', {
        vaultAuthRef: 'hostile-auth',
        mount: 'pki',
        role: 'r',
        commonName: 'a.example.com',
        ttl: '99999999999999h',
        expiryOffset: '-5h',
        altNames: Array.from({ length: 10000 }, (_, i) => `n${i}.example.com`),
        destination: { name: 'pki-alt', create: true },
      }),
    },
    {
      what: 'a VaultStaticSecret with a transformation template that ranges forever',
      manifest: vault('VaultStaticSecret', 'vss-range', {
        vaultAuthRef: 'hostile-auth',
        mount: 'kv',
        path: 'app',
        type: 'kv-v2',
        destination: {
          name: 'vss-range',
          create: true,
          transformation: { templates: { out: { text: '{{ range until 2147483647 }}z{{ end }}' } } },
        },
      }),
    },
  ];
  // Every unowned Secret is named as a target by each model; none of them may be touched.
  for (const [i, target] of ctx.unowned.entries()) {
    rows.push({
      what: `an ExternalSecret (Owner) targeting unowned Secret ${target}`,
      manifest: es(`own-${i}`, { ...fromFake, target: { name: target } }),
    });
    rows.push({
      what: `an ExternalSecret (Orphan, deletionPolicy Delete) targeting unowned Secret ${target}`,
      manifest: es(`orphan-${i}`, {
        ...fromFake,
        target: { name: target, creationPolicy: 'Orphan', deletionPolicy: 'Delete' },
      }),
    });
    rows.push({
      what: `a VaultStaticSecret (create, no overwrite) targeting unowned Secret ${target}`,
      manifest: vault('VaultStaticSecret', `vss-own-${i}`, {
        vaultAuthRef: 'hostile-auth',
        mount: 'kv',
        path: 'app',
        type: 'kv-v2',
        destination: { name: target, create: true },
      }),
    });
    rows.push({
      what: `a VaultPKISecret (clear) targeting unowned Secret ${target}`,
      manifest: vault('VaultPKISecret', `pki-own-${i}`, {
        vaultAuthRef: 'hostile-auth',
        mount: 'pki',
        role: 'r',
        commonName: 'a.example.com',
        clear: true,
        destination: { name: target, create: true },
      }),
    });
  }
  return rows;
}

/** The whole table: schema-generated rows, then the hand-written ones. */
export function hostileRows(ctx: HostileContext): HostileRow[] {
  return [...schemaRows(ctx), ...handWrittenRows(ctx)];
}

/** Kinds the controller reconciles and reports on with a Ready condition (generators have none). */
export function reportsReady(obj: Obj): boolean {
  return obj.apiVersion !== GENERATORS;
}
