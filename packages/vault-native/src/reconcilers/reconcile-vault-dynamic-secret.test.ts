// VaultDynamicSecret end to end through its reconciler, with in-memory fakes of what it is
// handed (testing/vault-world.ts) and Vault's lease manager at the lease engine's boundary
// (FakeLeaseBackend). Time moves only when a test moves the clock. The fake login token's
// policy grants no child token, so issues run with the login token (lease groups are
// covered by lease-engine.test.ts and the e2e suite).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError } from '@lockstep/core';
import type { VaultDynamicSecret } from '../api/vault-dynamic-secret.ts';
import { FakeLeaseBackend } from '../lease/testing/fake-lease-backend.ts';
import { reconcileVaultDynamicSecret } from './reconcile-vault-dynamic-secret.ts';
import { dynamicLeases, vaultAnswer } from './testing/fake-vault-backends.ts';
import { ResourceStore } from './testing/resource-store.ts';
import { NAMESPACE, readyOf, vaultWorld } from './testing/vault-world.ts';
import { VAULT_FINALIZER } from './vault-kinds.ts';

const NAME = 'creds';
const KEY = `${NAMESPACE}/${NAME}`;
const DESTINATION = 'db-creds';
const UID = 'uid-vds-1';
/** VSO's `_raw` key: the whole answer as JSON. */
const RAW_1 = JSON.stringify({ username: 'user-1', password: 'pw-1' });

function vds(spec: Partial<VaultDynamicSecret['spec']> = {}): VaultDynamicSecret {
  return {
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultDynamicSecret',
    metadata: { name: NAME, namespace: NAMESPACE, uid: UID },
    spec: {
      mount: 'database',
      path: 'creds/app',
      destination: { name: DESTINATION, create: true, overwrite: false },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'app' }],
      renewalPercent: 67,
      revoke: false,
      allowStaticCreds: false,
      ...spec,
    },
  } as VaultDynamicSecret;
}

/** A world with one VaultDynamicSecret; Vault grants 60 s leases, renewable up to `maxTtlSeconds`. */
function setup(opts: { spec?: Partial<VaultDynamicSecret['spec']>; maxTtlSeconds?: number } = {}) {
  const world = vaultWorld();
  const store = new ResourceStore<VaultDynamicSecret>('VaultDynamicSecret', world.status);
  store.create(vds(opts.spec));
  const vault = new FakeLeaseBackend({ clock: world.clock, ttlSeconds: 60, maxTtlSeconds: opts.maxTtlSeconds ?? 600 });
  const ctx = { ...world.ctx, dynamicSecrets: store, dynamicBackend: () => dynamicLeases(vault) };
  const run = () => reconcileVaultDynamicSecret(KEY, ctx);
  const status = () => store.status(NAMESPACE, NAME);
  const ledger = () => status()?.lockstep?.ledger;
  const wakeUp = () => world.wakeUps.get(`VaultDynamicSecret/${KEY}`);
  /** Moves the clock to the wake-up the reconciler asked for, and runs it. */
  const runWhenDue = async () => {
    const at = wakeUp();
    assert.ok(at, 'a wake-up is scheduled');
    world.clock.advance(Math.max(0, at.getTime() - world.clock.now().getTime()));
    return run();
  };
  return { world, store, vault, run, runWhenDue, status, ledger, wakeUp };
}

const rotated = (world: ReturnType<typeof vaultWorld>) =>
  world.events.events.filter((e) => e.reason === 'SecretRotated').map((e) => e.message);

describe('VaultDynamicSecret reconciler', () => {
  test('the first sync issues one lease and writes the Secret once, restarting nothing', async (t) => {
    const { world, vault, run, ledger, status, wakeUp } = setup();
    await run();
    assert.deepEqual(vault.issued, ['database/creds/app/lease-1']);
    assert.equal(world.secretApi.writes.length, 1);
    assert.equal(world.secretApi.writesOf('create').length, 1);
    assert.deepEqual(world.secretData(DESTINATION), { username: 'user-1', password: 'pw-1', _raw: RAW_1 });
    assert.equal(ledger()?.leaseId, 'database/creds/app/lease-1');
    assert.equal(readyOf(status())?.status, 'True');
    assert.equal(readyOf(status())?.reason, 'InitialSync');
    assert.equal(world.rollout.restarts.length, 0, 'nobody holds a credential yet');
    assert.deepEqual(world.counted.secretWrites, ['create']);
    // 67 % of the 60 s lease.
    assert.equal(wakeUp()?.toISOString(), '2026-01-01T00:00:40.200Z');
    t.diagnostic(`first sync: 1 issue, 1 write, renewal at ${wakeUp()?.toISOString()}`);
  });

  test('a run before anything is due calls Vault for nothing and writes nothing', async () => {
    const { world, vault, run } = setup();
    await run();
    const patches = world.status.statusPatches.length;
    world.clock.advance(10_000);
    await run();
    assert.equal(vault.issued.length, 1);
    assert.equal(vault.renewals.length, 0);
    assert.equal(world.secretApi.writes.length, 1);
    assert.equal(world.status.statusPatches.length, patches, 'no status patch for an unchanged run');
  });

  test('a due renewal renews the same lease and writes nothing', async () => {
    const { world, vault, run, runWhenDue, ledger, status } = setup();
    await run();
    await runWhenDue();
    assert.deepEqual(
      vault.renewals.map((r) => r.leaseId),
      ['database/creds/app/lease-1'],
    );
    assert.equal(vault.issued.length, 1);
    assert.equal(world.secretApi.writes.length, 1, 'the Secret is not rewritten');
    assert.equal(world.rollout.restarts.length, 0);
    assert.equal(ledger()?.leaseId, 'database/creds/app/lease-1');
    assert.equal(ledger()?.lastRenewedAt, '2026-01-01T00:00:40.200Z');
    assert.equal(readyOf(status())?.reason, 'LeaseRenewed');
    assert.deepEqual(world.counted.renewals, ['success']);
  });

  test('a capped lease is re-issued with reason LeaseCapped and the targets restart once', async (t) => {
    // Max TTL 90 s: the renewal at 40.2 s is granted 49 s of the 60 asked.
    const { world, vault, run, runWhenDue, ledger } = setup({ maxTtlSeconds: 90 });
    await run();
    await runWhenDue();
    assert.deepEqual(world.counted.renewals, ['capped']);
    assert.equal(ledger()?.renewable, false);
    await runWhenDue();
    assert.equal(vault.issued.length, 2);
    assert.match(rotated(world).join('\n'), /\(LeaseCapped\)/);
    assert.equal(world.secretApi.writesOf('replace').length, 1);
    assert.equal(world.secretData(DESTINATION)?.username, 'user-2');
    assert.equal(world.rollout.restarts.length, 1);
    assert.equal(world.counted.rolloutRestarts, 1, 'onRolloutRestart counted once');
    assert.deepEqual(vault.revoked, [], 'the old lease lives until the rollout finished');
    assert.equal(ledger()?.previous?.[0]?.state, 'AwaitingRollout');
    t.diagnostic(`capped at ${vault.renewals[0]?.granted} s of 60: re-issued, 1 restart, 0 revokes before rollout`);
  });

  test('the superseded lease is revoked only after the rollout finished', async () => {
    const { world, vault, run, runWhenDue, ledger } = setup({ maxTtlSeconds: 90 });
    await run();
    await runWhenDue();
    await runWhenDue(); // LeaseCapped: re-issued, targets restarting
    await runWhenDue(); // the rollout is still progressing
    await runWhenDue();
    assert.deepEqual(vault.revoked, []);
    world.rollout.finish();
    await runWhenDue();
    assert.deepEqual(vault.revoked, ['database/creds/app/lease-1']);
    assert.deepEqual(ledger()?.previous, []);
    assert.equal(world.rollout.restarts.length, 1, 'waiting for the rollout restarts nothing again');
    assert.ok(world.events.events.some((e) => e.reason === 'LeaseRevoked' && e.message.includes('lease-1')));
  });

  test('a deleted destination is re-issued with reason TargetDrifted', async () => {
    const { world, vault, run, status } = setup();
    await run();
    world.secretApi.remove(NAMESPACE, DESTINATION);
    world.clock.advance(5_000);
    await run();
    assert.equal(vault.issued.length, 2);
    assert.equal(readyOf(status())?.reason, 'TargetDrifted');
    assert.match(rotated(world).join('\n'), /\(TargetDrifted\)/);
    assert.equal(world.secretData(DESTINATION)?.username, 'user-2');
  });

  test('an edited destination is re-issued with reason TargetDrifted and the targets restart', async () => {
    const { world, vault, run, status } = setup();
    await run();
    world.editSecret(DESTINATION, 'password', 'typed-by-hand');
    world.clock.advance(5_000);
    await run();
    assert.equal(vault.issued.length, 2);
    assert.equal(readyOf(status())?.reason, 'TargetDrifted');
    assert.equal(world.secretData(DESTINATION)?.password, 'pw-2');
    assert.equal(world.rollout.restarts.length, 1);
  });

  test('a re-issue whose Secret write failed is written by a later run, never left behind the ledger', async () => {
    const { world, vault, run, runWhenDue, ledger } = setup({ maxTtlSeconds: 90 });
    await run();
    await runWhenDue();
    world.secretApi.failNext('replace', new BackendError('Unavailable', 'kubernetes', 'the API server is unreachable'));
    await runWhenDue().catch(() => undefined);
    assert.equal(vault.issued.length, 2, 'the capped lease was re-issued');
    assert.equal(world.secretData(DESTINATION)?.username, 'user-1', 'and its Secret write failed');
    world.clock.advance(5_000);
    await run().catch(() => undefined);
    // The Secret holds the credential the ledger names, whatever had to be issued for it.
    const live = ledger()?.leaseId ?? '';
    assert.equal(world.secretData(DESTINATION)?.username, `user-${live.slice(-1)}`);
  });

  test('a spec change re-issues with reason SpecChanged and records the new generation', async () => {
    const { world, store, vault, run, status } = setup();
    await run();
    store.editSpec(NAMESPACE, NAME, (spec) => {
      spec.path = 'creds/app-readonly';
    });
    world.clock.advance(5_000);
    await run();
    assert.equal(vault.issued.length, 2);
    assert.equal(readyOf(status())?.reason, 'SpecChanged');
    assert.equal(status()?.lastGeneration, 2);
  });

  test('Vault unavailable at renewal keeps the Secret and the lease, and says so in Ready', async (t) => {
    const { world, vault, run, runWhenDue, ledger, status } = setup();
    await run();
    vault.failNext.renew.push(vaultAnswer(503, 'PUT', 'sys/leases/renew', ['Vault is sealed']));
    await assert.rejects(
      runWhenDue(),
      (err: unknown) => err instanceof BackendError && err.errorClass === 'Unavailable',
    );
    assert.equal(vault.issued.length, 1, 'nothing re-issued');
    assert.deepEqual(vault.revoked, []);
    assert.equal(world.secretApi.writes.length, 1, 'the Secret is neither rewritten nor deleted');
    assert.deepEqual(world.secretData(DESTINATION), { username: 'user-1', password: 'pw-1', _raw: RAW_1 });
    assert.equal(ledger()?.leaseId, 'database/creds/app/lease-1');
    const ready = readyOf(status());
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'VaultUnavailable');
    assert.match(ready?.message ?? '', /sealed/);
    t.diagnostic(`Vault down: Ready=False "${ready?.message}"; Secret and lease kept`);
  });

  test('permission denied says which path the policy must allow, and writes nothing', async () => {
    const { world, vault, run, status, wakeUp } = setup();
    vault.failNext.issue.push(vaultAnswer(403, 'GET', 'database/creds/app', ['permission denied']));
    const result = await run();
    assert.deepEqual(result, {}, 'a user error is not retried with backoff');
    const ready = readyOf(status());
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'Forbidden');
    assert.match(ready?.message ?? '', /database\/creds\/app.*policies allow this path/);
    assert.equal(world.secretApi.writes.length, 0);
    assert.equal(wakeUp()?.toISOString(), '2026-01-01T00:01:00.000Z', 'looked at again after a minute');
  });

  test('a login the VaultAuth cannot make says which VaultAuth to fix', async () => {
    const { world, run, status } = setup();
    world.login.failNext(vaultAnswer(403, 'PUT', 'auth/kubernetes/login', ['permission denied']));
    await run();
    const ready = readyOf(status());
    assert.equal(ready?.reason, 'AuthFailed');
    assert.match(ready?.message ?? '', /VaultAuth "team-a\/default"/);
    assert.equal(world.secretApi.writes.length, 0);
  });

  test('deleting with revoke: true revokes the lease and releases the finalizer', async () => {
    const { world, store, vault, run } = setup({ spec: { revoke: true } });
    await run();
    assert.deepEqual(store.get(NAMESPACE, NAME)?.metadata?.finalizers, [VAULT_FINALIZER]);
    store.markDeleted(NAMESPACE, NAME, world.clock.now());
    await run();
    assert.deepEqual(vault.revoked, ['database/creds/app/lease-1']);
    assert.deepEqual(store.get(NAMESPACE, NAME)?.metadata?.finalizers, []);
    assert.ok(world.events.events.some((e) => e.reason === 'LeaseRevoked'));
  });

  test('a destination another resource owns is left untouched and nothing is issued', async () => {
    const { world, vault, run, status } = setup();
    world.putSecretOwnedBy(DESTINATION, 'ExternalSecret/other', 'password');
    await run();
    assert.equal(vault.issued.length, 0, 'no credential nobody can receive');
    assert.equal(world.secretApi.writes.length, 0);
    assert.equal(world.secretData(DESTINATION)?.password, 'theirs');
    const ready = readyOf(status());
    assert.equal(ready?.reason, 'DestinationBlocked');
    assert.match(ready?.message ?? '', /ExternalSecret\/other/);
  });

  test('credential values never reach a condition, a status field or an event', async () => {
    const { world, vault, run, runWhenDue } = setup({ maxTtlSeconds: 90 });
    await run();
    await runWhenDue();
    await runWhenDue(); // re-issued
    vault.failNext.renew.push(vaultAnswer(503, 'PUT', 'sys/leases/renew'));
    await runWhenDue().catch(() => undefined);
    const text = world.visibleText();
    for (const value of ['user-1', 'pw-1', 'user-2', 'pw-2']) assert.ok(!text.includes(value), `"${value}" leaked`);
  });
});
