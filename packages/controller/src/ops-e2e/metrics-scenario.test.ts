import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { counterValue } from '../testing/counter-value.ts';
import { EXTERNAL, externalSecret, secretStore } from '../testing/external-resources.ts';
import { dynamicSecret, FAST_LEADER_ARGS, VAULT, waitFor, waitReady } from './ops-harness.ts';
import { opsTest } from './ops-test.ts';

const KINDS = [
  'ExternalSecret',
  'SecretStore',
  'ClusterSecretStore',
  'ClusterExternalSecret',
  'VaultConnection',
  'VaultAuth',
  'VaultStaticSecret',
  'VaultPKISecret',
  'VaultDynamicSecret',
];

opsTest(
  { suite: '/metrics after a known scenario', file: 'metrics' },
  'reports reconciles, provider calls, queues, Secret writes, leases, token renewals and restarts, and no value',
  async (ops) => {
    // Leases renewed every ~2 s and capped by max_ttl: renewals, a re-issue and a rollout; a
    // short login token TTL: the engine renews its token during the scenario.
    const { db, namespace: ns } = await ops.databaseTenant({ defaultTtl: '4s', maxTtl: '12s' }, { tokenTtl: '6s' });
    await ops.deployment(ns, 'api');
    const fakeValues = ['metrics-alpha-1', 'metrics-bravo-1', 'metrics-alpha-2'] as const;
    const fakeData = (alpha: string) => [
      { key: 'alpha', value: alpha },
      { key: 'bravo', value: fakeValues[1] },
    ];
    await ops.create(secretStore(ns, 'fake', { fake: { data: fakeData(fakeValues[0]) } }));
    await ops.deployment(ns, 'web');
    // Three ExternalSecrets sharing two keys.
    for (const [name, key] of [
      ['one', 'alpha'],
      ['two', 'alpha'],
      ['three', 'bravo'],
    ] as const) {
      await ops.create(
        externalSecret(ns, name, {
          // Periodic refresh picks up the remote change; unchanged refreshes write nothing.
          refreshInterval: '1s',
          secretStoreRef: { name: 'fake' },
          target: { name },
          data: [{ secretKey: 'value', remoteRef: { key } }],
          // One ExternalSecret restarts a workload: its restarts count like the Vault kinds'.
          ...(name === 'one' ? { rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }] } : {}),
        }),
      );
    }
    await ops.create(
      dynamicSecret(ns, db, { renewalPercent: 50, rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] }),
    );

    const lockstep = ops.lockstep('lockstep-0', FAST_LEADER_ARGS);
    await lockstep.ready();
    await waitFor('leadership', () => lockstep.leading());
    for (const name of ['one', 'two', 'three']) await waitReady(ops, EXTERNAL, 'ExternalSecret', ns, name);
    await waitReady(ops, VAULT, 'VaultDynamicSecret', ns, 'creds');
    const firstCreds = (await ops.secret(ns, 'db-creds')) ?? {};

    // One update of a remote value: the two ExternalSecrets reading `alpha` rewrite their Secret.
    await ops.replaceFakeData(ns, 'fake', fakeData(fakeValues[2]));
    for (const name of ['one', 'two'])
      await waitFor(`${name} updated`, async () => (await ops.secret(ns, name))?.value === fakeValues[2]);
    await waitFor('a rollout restart after max_ttl capped the lease', () => ops.restartedAt(ns, 'api'));
    await waitFor('the ExternalSecret restarted its Deployment', () => ops.restartedAt(ns, 'web'));
    const text = await waitFor('a token renewal counted', async () => {
      const t = await lockstep.metrics();
      return counterValue(t, 'lockstep_token_renewals_total', { result: 'renewed' }) > 0 ? t : undefined;
    });
    await writeFile(join(ops.dir, 'metrics.txt'), text);
    const lastCreds = (await ops.secret(ns, 'db-creds')) ?? {};

    // Reconciles: every ExternalSecret at least once per change, no errors in this scenario.
    assert.ok(counterValue(text, 'lockstep_reconcile_total', { kind: 'ExternalSecret', result: 'success' }) >= 5);
    assert.ok(counterValue(text, 'lockstep_reconcile_total', { kind: 'VaultDynamicSecret', result: 'success' }) >= 1);
    assert.equal(counterValue(text, 'lockstep_reconcile_total', { kind: 'ExternalSecret', result: 'error' }), 0);
    assert.equal(
      counterValue(text, 'lockstep_reconcile_duration_seconds_count', { kind: 'ExternalSecret' }),
      counterValue(text, 'lockstep_reconcile_total', { kind: 'ExternalSecret' }),
      'one duration sample per reconcile',
    );
    assert.match(text, /lockstep_reconcile_duration_seconds_bucket\{[^}]*kind="ExternalSecret"[^}]*le="\+Inf"/);

    // Provider calls: the fake store answered, and never failed.
    assert.ok(counterValue(text, 'lockstep_provider_requests_total', { provider: 'fake', result: 'success' }) >= 2);
    assert.equal(counterValue(text, 'lockstep_provider_requests_total', { provider: 'fake', result: 'error' }), 0);
    assert.match(text, /lockstep_provider_requests_total\{[^}]*operation="[a-zA-Z]+"/);

    // A queue depth per kind.
    for (const kind of KINDS) assert.match(text, new RegExp(`lockstep_queue_depth\\{kind="${kind}"\\} \\d`), kind);

    // Secret writes equal what the API server saw from the controller in the tenant namespace.
    // (A re-issue may land between the two reads: take a scrape bracketed by an unchanged log.)
    const tenantWrites = () =>
      ops
        .controllerRequests()
        .filter((r) => r.resource === 'secrets' && !r.subresource && r.namespace === ns && r.code < 300);
    const { writes, text2 } = await waitFor('a scrape between two identical request logs', async () => {
      const before = tenantWrites();
      const scraped = await lockstep.metrics();
      return tenantWrites().length === before.length ? { writes: before, text2: scraped } : undefined;
    });
    for (const operation of ['create', 'update', 'delete']) {
      assert.equal(
        counterValue(text2, 'lockstep_secret_writes_total', { operation }),
        writes.filter((r) => r.verb === operation).length,
        `Secret ${operation}s`,
      );
    }
    assert.equal(
      counterValue(text2, 'lockstep_secret_writes_total', { kind: 'ExternalSecret', operation: 'create' }),
      3,
    );
    assert.equal(
      counterValue(text2, 'lockstep_secret_writes_total', { kind: 'ExternalSecret', operation: 'update' }),
      2,
    );
    assert.equal(
      counterValue(text2, 'lockstep_secret_writes_total', { kind: 'VaultDynamicSecret', operation: 'create' }),
      1,
    );

    // Leases: one held, renewed, expiring in the future; restarts equal the Deployment patches.
    assert.equal(counterValue(text2, 'lockstep_leases_active', { kind: 'VaultDynamicSecret' }), 1);
    assert.ok(counterValue(text2, 'lockstep_lease_renewals_total', { result: 'renewed' }) >= 1);
    assert.ok(counterValue(text2, 'lockstep_lease_earliest_expiry_seconds', { kind: 'VaultDynamicSecret' }) > 0);
    assert.ok(counterValue(text2, 'lockstep_token_renewals_total', { result: 'renewed' }) >= 1);
    const deploymentPatches = (name: string) =>
      ops
        .controllerRequests()
        .filter(
          (r) =>
            r.resource === 'deployments' && r.verb === 'patch' && r.namespace === ns && r.name === name && r.code < 300,
        ).length;
    assert.ok(deploymentPatches('api') >= 1);
    assert.equal(
      counterValue(text2, 'lockstep_rollout_restarts_total', { kind: 'VaultDynamicSecret' }),
      deploymentPatches('api'),
    );
    assert.equal(deploymentPatches('web'), 1, 'one remote change, one restart');
    assert.equal(counterValue(text2, 'lockstep_rollout_restarts_total', { kind: 'ExternalSecret' }), 1);

    // No secret value, plain or base64, anywhere in /metrics.
    const values = [...fakeValues, ...Object.values(firstCreds), ...Object.values(lastCreds)].filter(
      (v) => v.length >= 6,
    );
    assert.ok(values.length >= 5);
    for (const t of [text, text2])
      for (const v of values) {
        assert.ok(!t.includes(v), 'a secret value appears in /metrics');
        assert.ok(!t.includes(Buffer.from(v).toString('base64')), 'a base64 secret value appears in /metrics');
      }
  },
);
