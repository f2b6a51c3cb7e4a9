// What a user sees at `kubectl apply`: manifests from the ESO and VSO docs (apiVersion
// changed, nothing else) are accepted, and malformed objects are rejected by the schema
// alone (no CEL, no controller).

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CrdValidator, crdSchema } from './crd-validator.ts';
import { renderCrds } from './render-crds.ts';

const examplesDir = resolve(import.meta.dirname, '../../../../examples/migration');
const validators = new Map(
  renderCrds().map(({ source, crd }) => [
    `${source.group}/${source.version}/${source.kind}`,
    new CrdValidator(crdSchema(crd)),
  ]),
);

type Obj = { apiVersion: string; kind: string; metadata?: unknown; spec?: unknown };

function admit(obj: Obj) {
  const validator = validators.get(`${obj.apiVersion}/${obj.kind}`);
  assert.ok(validator, `no CRD for ${obj.apiVersion} ${obj.kind}`);
  return validator.admit(obj);
}

async function examples(anchor: 'eso' | 'vso') {
  const dir = join(examplesDir, anchor);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs: Array<{ file: string; obj: Obj }> = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      docs.push({ file, obj: doc.toJS() as Obj });
    }
  }
  return { files, docs };
}

for (const anchor of ['eso', 'vso'] as const) {
  test(`every ${anchor.toUpperCase()} docs example is accepted with only its apiVersion changed`, async () => {
    const { files, docs } = await examples(anchor);
    assert.ok(files.length >= 10, `${files.length} examples`);
    for (const { file, obj } of docs) {
      // The docs' own Secrets (core v1) come with some examples; the API server, not a CRD, admits them.
      if (obj.apiVersion === 'v1') continue;
      const result = admit(obj);
      assert.ok(result.ok, `${file} ${obj.kind}: ${result.errors.join('; ')}`);
    }
  });
}

const es = (spec: Record<string, unknown>): Obj => ({
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'x' },
  spec: { secretStoreRef: { name: 'store' }, data: [{ secretKey: 'k', remoteRef: { key: 'r' } }], ...spec },
});
const store = (provider: unknown): Obj => ({
  apiVersion: 'external.lockstep.dev/v1',
  kind: 'SecretStore',
  metadata: { name: 's' },
  spec: { provider },
});
const vault = (kind: string, spec: Record<string, unknown>): Obj => ({
  apiVersion: 'vault.lockstep.dev/v1beta1',
  kind,
  metadata: { name: 'v' },
  spec,
});
const vds = (spec: Record<string, unknown>) =>
  vault('VaultDynamicSecret', { mount: 'db', path: 'creds/app', destination: { name: 'db' }, ...spec });
const vss = (spec: Record<string, unknown>) =>
  vault('VaultStaticSecret', { mount: 'kv', path: 'app', type: 'kv-v2', destination: { name: 'app' }, ...spec });

const malformed: Array<[string, Obj, RegExp]> = [
  [
    'a store with two providers',
    store({ fake: { data: [] }, aws: { service: 'SecretsManager', region: 'eu-west-1' } }),
    /provider must NOT have more than 1 properties/,
  ],
  ['a store with no provider', store({}), /provider must NOT have fewer than 1 properties/],
  ['a store with an unknown provider', store({ gcpsm: {} }), /gcpsm/],
  [
    'a vault store with two auth methods',
    store({
      vault: {
        server: 'http://v:8200',
        auth: { tokenSecretRef: { name: 't' }, appRole: { secretRef: { name: 's' } } },
      },
    }),
    /oneOf/,
  ],
  [
    'a vault store with version v3',
    store({ vault: { server: 'http://v:8200', version: 'v3' } }),
    /version must be equal to one of/,
  ],
  ['an ExternalSecret with a bad duration', es({ refreshInterval: '1 hour' }), /refreshInterval must match pattern/],
  [
    'an ExternalSecret with an unknown refreshPolicy',
    es({ refreshPolicy: 'Sometimes' }),
    /refreshPolicy must be equal to one of/,
  ],
  ['an ExternalSecret with an unknown creationPolicy', es({ target: { creationPolicy: 'Adopt' } }), /creationPolicy/],
  [
    'an ExternalSecret whose store kind is unknown',
    es({ secretStoreRef: { name: 's', kind: 'Store' } }),
    /kind must be equal to one of/,
  ],
  ['a data entry without remoteRef', es({ data: [{ secretKey: 'k' }] }), /must have required property 'remoteRef'/],
  [
    'a secretKey with a slash',
    es({ data: [{ secretKey: 'a/b', remoteRef: { key: 'r' } }] }),
    /secretKey must match pattern/,
  ],
  ['a dataFrom entry with nothing to read', es({ data: undefined, dataFrom: [{ rewrite: [] }] }), /anyOf/],
  [
    'a dataFrom entry with both extract and find',
    es({ dataFrom: [{ extract: { key: 'a' }, find: { path: 'b' } }] }),
    /must NOT be valid/,
  ],
  [
    'a generatorRef to an unknown generator kind',
    es({ dataFrom: [{ sourceRef: { generatorRef: { kind: 'GCRAccessToken', name: 'g' } } }] }),
    /kind must be equal to one of/,
  ],
  ['a VaultDynamicSecret with renewalPercent 95', vds({ renewalPercent: 95 }), /renewalPercent must be <= 90/],
  [
    'a VaultDynamicSecret without destination',
    vault('VaultDynamicSecret', { mount: 'db', path: 'creds/app' }),
    /required property 'destination'/,
  ],
  [
    'a VaultStaticSecret without type',
    vault('VaultStaticSecret', { mount: 'kv', path: 'a', destination: { name: 'a' } }),
    /required property 'type'/,
  ],
  ['a VaultStaticSecret of type kv-v3', vss({ type: 'kv-v3' }), /type must be equal to one of/],
  ['a VaultStaticSecret with refreshAfter 1d', vss({ refreshAfter: '1d' }), /refreshAfter must match pattern/],
  [
    'a rollout target of an unknown kind',
    vss({ rolloutRestartTargets: [{ kind: 'CronJob', name: 'c' }] }),
    /kind must be equal to one of/,
  ],
  [
    'a VaultAuth with an unknown method',
    vault('VaultAuth', { method: 'ldap', mount: 'ldap' }),
    /method must be equal to one of/,
  ],
  [
    'a VaultAuth whose method block is missing',
    vault('VaultAuth', { method: 'kubernetes', jwt: { role: 'r' } }),
    /anyOf/,
  ],
  ['a VaultConnection without address', vault('VaultConnection', {}), /required property 'address'/],
  [
    'a VaultPKISecret without role',
    vault('VaultPKISecret', { mount: 'pki', destination: { name: 'c' } }),
    /required property 'role'/,
  ],
  [
    'a VaultPKISecret with format pfx',
    vault('VaultPKISecret', { mount: 'pki', role: 'r', format: 'pfx', destination: { name: 'c' } }),
    /format must be equal to one of/,
  ],
];

for (const [name, obj, error] of malformed) {
  test(`rejects ${name}`, () => {
    const result = admit(obj);
    assert.equal(result.ok, false, `${name} was accepted`);
    assert.match(result.errors.join('\n'), error);
  });
}

test('the API server fills in the anchors defaults', () => {
  const esSpec = admit(es({})).object as { spec: Record<string, unknown> };
  assert.equal(esSpec.spec.refreshInterval, '1h');
  assert.equal(esSpec.spec.refreshPolicy, 'Periodic');
  assert.deepEqual(esSpec.spec.target, { creationPolicy: 'Owner', deletionPolicy: 'Retain' });
  assert.deepEqual(esSpec.spec.secretStoreRef, { name: 'store', kind: 'SecretStore' });
  const remoteRef = (esSpec.spec.data as Array<{ remoteRef: Record<string, unknown> }>)[0]?.remoteRef;
  assert.deepEqual(remoteRef, {
    key: 'r',
    metadataPolicy: 'None',
    conversionStrategy: 'Default',
    decodingStrategy: 'None',
  });

  const vaultStore = admit(store({ vault: { server: 'http://v:8200', auth: { tokenSecretRef: { name: 't' } } } }))
    .object as { spec: { provider: { vault: { version: string } } } };
  assert.equal(vaultStore.spec.provider.vault.version, 'v2');

  const dyn = admit(vds({})).object as { spec: Record<string, unknown> };
  assert.equal(dyn.spec.renewalPercent, 67);
  assert.equal(dyn.spec.revoke, false);
  assert.deepEqual(dyn.spec.destination, { name: 'db', create: false, overwrite: false });

  const stat = admit(vss({})).object as { spec: Record<string, unknown> };
  assert.equal(stat.spec.hmacSecretData, true);
});

test('a status carrying the lease ledger is accepted and one without issuedAt is not', () => {
  const ledger = {
    leaseId: 'database/creds/app/abc',
    issuedAt: '2026-11-28T10:00:00Z',
    ttlSeconds: 3600,
    renewable: true,
    tokenAccessor: 'acc-1',
    rotationId: 'r-2',
    previous: [
      {
        leaseId: 'database/creds/app/old',
        issuedAt: '2026-11-28T09:00:00Z',
        ttlSeconds: 3600,
        renewable: false,
        supersededAt: '2026-11-28T10:00:00Z',
        state: 'AwaitingRollout',
        reason: 'LeaseCapped',
      },
    ],
  };
  const withStatus = (l: unknown) => ({
    ...vds({}),
    status: { leaseExpiry: '2026-11-28T11:00:00Z', lockstep: { ledger: l } },
  });
  const ok = admit(withStatus(ledger));
  assert.ok(ok.ok, ok.errors.join('; '));
  const { issuedAt: _, ...withoutIssuedAt } = ledger;
  assert.equal(admit(withStatus(withoutIssuedAt)).ok, false);
});
