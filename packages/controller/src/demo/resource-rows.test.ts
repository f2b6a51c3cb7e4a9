import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_KINDS, type KindInfo, type SecretKeysOf, toRow } from './resource-rows.ts';

const kind = (name: string): KindInfo => {
  const info = DEMO_KINDS.find((k) => k.kind === name);
  assert.ok(info, name);
  return info;
};
const secrets: Record<string, string[]> = {
  'demo/app-config': ['password', 'username'],
  'demo/db-creds': ['password'],
};
const keysOf: SecretKeysOf = (ns, name) => secrets[`${ns}/${name}`];
const served = new Set(['ExternalSecret', 'SecretStore', 'ClusterSecretStore']);
const ready = (reason: string, message = '') => ({ conditions: [{ type: 'Ready', status: 'True', reason, message }] });

describe('toRow', () => {
  it('reads Ready, the target Secret key names and the next refresh of an ExternalSecret', () => {
    const row = toRow(
      kind('ExternalSecret'),
      {
        metadata: { namespace: 'demo', name: 'app' },
        spec: { refreshInterval: '1m', target: { name: 'app-config' } },
        status: { refreshTime: '2026-11-28T12:00:00Z', ...ready('SecretSynced') },
      },
      keysOf,
      served,
    );
    assert.deepEqual(row, {
      kind: 'ExternalSecret',
      namespace: 'demo',
      name: 'app',
      model: 'generic',
      ready: 'True',
      reason: 'SecretSynced',
      target: { name: 'app-config', keys: ['password', 'username'] },
      next: { label: 'refresh', at: new Date('2026-11-28T12:01:00Z') },
    });
  });

  it('targets the Secret named after the ExternalSecret when target.name is empty, and says when it is missing', () => {
    const row = toRow(kind('ExternalSecret'), { metadata: { namespace: 'demo', name: 'other' } }, keysOf, served);
    assert.deepEqual(row.target, { name: 'other' });
    assert.deepEqual(row.next, { label: 'refresh', rule: 'every 1h' });
  });

  it('never shows a resource without status as Ready: it says whether its kind is served at all', () => {
    const vds = { metadata: { namespace: 'demo', name: 'db' }, spec: { destination: { name: 'db-creds' } } };
    const notServed = toRow(kind('VaultDynamicSecret'), vds, keysOf, served);
    assert.equal(notServed.ready, undefined);
    assert.equal(notServed.reason, 'NotServed');
    assert.match(notServed.message ?? '', /does not reconcile VaultDynamicSecret/);

    const pending = toRow(kind('VaultDynamicSecret'), vds, keysOf, new Set([...served, 'VaultDynamicSecret']));
    assert.equal(pending.ready, undefined);
    assert.equal(pending.reason, 'Pending');

    const starting = toRow(kind('VaultDynamicSecret'), vds, keysOf, undefined);
    assert.match(starting.message ?? '', /waiting for the controller/);
  });

  it('takes the lease expiry and the next renewal of a VaultDynamicSecret from its status', () => {
    const row = toRow(
      kind('VaultDynamicSecret'),
      {
        metadata: { namespace: 'demo', name: 'db' },
        spec: { destination: { name: 'db-creds' } },
        status: {
          leaseExpiry: '2026-11-28T13:00:00Z',
          nextRotation: '2026-11-28T12:40:12Z',
          ...ready('SecretSynced'),
        },
      },
      keysOf,
      served,
    );
    assert.equal(row.model, 'vault-native');
    assert.deepEqual(row.leaseExpiry, new Date('2026-11-28T13:00:00Z'));
    assert.deepEqual(row.next, { label: 'renew', at: new Date('2026-11-28T12:40:12Z') });
    assert.deepEqual(row.target, { name: 'db-creds', keys: ['password'] });
  });

  it("derives the lease expiry from VSO fields when Lockstep's own are missing", () => {
    const row = toRow(
      kind('VaultDynamicSecret'),
      { metadata: { name: 'db' }, status: { lastRenewalTime: 1_800_000_000, secretLease: { duration: 3600 } } },
      keysOf,
      served,
    );
    assert.deepEqual(row.leaseExpiry, new Date((1_800_000_000 + 3600) * 1000));
  });

  it("shows a certificate's expiry and next rotation, and the VSO validity flag when there is no condition", () => {
    const row = toRow(
      kind('VaultPKISecret'),
      {
        metadata: { namespace: 'demo', name: 'tls' },
        spec: { destination: { name: 'web-tls' } },
        status: {
          valid: false,
          error: 'role not found',
          expiration: 1_800_000_300,
          nextRotation: '2026-11-28T12:03:20Z',
        },
      },
      keysOf,
      served,
    );
    assert.equal(row.ready, 'False');
    assert.equal(row.message, 'role not found');
    assert.deepEqual(row.leaseExpiry, new Date(1_800_000_300 * 1000));
    assert.deepEqual(row.next, { label: 'rotate', at: new Date('2026-11-28T12:03:20Z') });
  });

  it('summarises a ClusterExternalSecret by the namespaces it provisioned', () => {
    const row = toRow(
      kind('ClusterExternalSecret'),
      {
        metadata: { name: 'shared' },
        spec: { externalSecretName: 'shared-key', refreshTime: '1m' },
        status: { provisionedNamespaces: ['payments', 'demo'] },
      },
      keysOf,
      served,
    );
    assert.equal(row.namespace, undefined);
    assert.equal(row.target?.summary, 'ExternalSecret shared-key in demo, payments');
    assert.deepEqual(row.next, { label: 'reselect', rule: 'every 1m' });
  });
});
