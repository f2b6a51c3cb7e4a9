// VaultPKISecret through its reconciler, with in-memory fakes of what it is handed
// (testing/vault-world.ts) and a PKI engine at the lease engine's boundary. Certificates live
// 100 s and rotate 20 s before they expire (spec.expiryOffset); the clock moves only when a
// test moves it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError } from '@lockstep/core';
import type { VaultPKISecret } from '../api/vault-pki-secret.ts';
import { reconcileVaultPKISecret } from './reconcile-vault-pki-secret.ts';
import { FakePkiBackend, vaultAnswer } from './testing/fake-vault-backends.ts';
import { ResourceStore } from './testing/resource-store.ts';
import { NAMESPACE, readyOf, vaultWorld } from './testing/vault-world.ts';
import { VAULT_FINALIZER } from './vault-kinds.ts';

const NAME = 'web-cert';
const KEY = `${NAMESPACE}/${NAME}`;
const DESTINATION = 'web-tls';
const SERIAL_1 = '4f:00:00:00:00:01';
const SERIAL_2 = '4f:00:00:00:00:02';

function vps(spec: Partial<VaultPKISecret['spec']> = {}): VaultPKISecret {
  return {
    apiVersion: 'vault.lockstep.dev/v1beta1',
    kind: 'VaultPKISecret',
    metadata: { name: NAME, namespace: NAMESPACE, uid: 'uid-vps-1' },
    spec: {
      mount: 'pki',
      role: 'web',
      commonName: 'web.team-a.svc',
      ttl: '100s',
      expiryOffset: '20s',
      destination: { name: DESTINATION, create: true, overwrite: false, type: 'kubernetes.io/tls' },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
      format: 'pem',
      privateKeyFormat: 'der',
      revoke: true,
      clear: false,
      ...spec,
    },
  } as VaultPKISecret;
}

function setup(spec: Partial<VaultPKISecret['spec']> = {}) {
  const world = vaultWorld();
  const store = new ResourceStore<VaultPKISecret>('VaultPKISecret', world.status);
  store.create(vps(spec));
  const pki = new FakePkiBackend(world.clock, 100);
  const ctx = { ...world.ctx, pkiSecrets: store, pkiBackend: () => pki };
  const run = () => reconcileVaultPKISecret(KEY, ctx);
  const status = () => store.status(NAMESPACE, NAME);
  const wakeUp = () => world.wakeUps.get(`VaultPKISecret/${KEY}`);
  /** Moves the clock to `ms` before the scheduled wake-up (0: to it), and runs. */
  const runAtWakeUp = async (earlierMs = 0) => {
    const at = wakeUp();
    assert.ok(at, 'a wake-up is scheduled');
    world.clock.advance(Math.max(0, at.getTime() - earlierMs - world.clock.now().getTime()));
    return run();
  };
  return { world, store, pki, run, runAtWakeUp, status, wakeUp };
}

describe('VaultPKISecret reconciler', () => {
  test('the first sync issues one certificate and writes the TLS Secret once', async (t) => {
    const { world, pki, run, status, wakeUp } = setup();
    await run();
    assert.deepEqual(pki.issued, [SERIAL_1]);
    assert.equal(world.secretApi.writes.length, 1);
    const data = world.secretData(DESTINATION);
    assert.match(data?.['tls.crt'] ?? '', /leaf-1/);
    assert.match(data?.['tls.key'] ?? '', /key-material-1/);
    assert.match(data?.['ca.crt'] ?? '', /BEGIN CERTIFICATE/);
    assert.equal(status()?.serialNumber, SERIAL_1);
    assert.equal(status()?.valid, true);
    assert.equal(readyOf(status())?.reason, 'InitialSync');
    assert.equal(world.rollout.restarts.length, 0);
    // expiration (100 s) minus expiryOffset (20 s).
    assert.equal(wakeUp()?.toISOString(), '2026-01-01T00:01:20.000Z');
    t.diagnostic(`first certificate ${SERIAL_1}, rotation planned at ${wakeUp()?.toISOString()}`);
  });

  test('a run before the rotation is due issues nothing and patches nothing', async () => {
    const { world, pki, run, runAtWakeUp } = setup();
    await run();
    const patches = world.status.statusPatches.length;
    await runAtWakeUp(1_000);
    await run();
    assert.deepEqual(pki.issued, [SERIAL_1]);
    assert.equal(world.secretApi.writes.length, 1);
    assert.equal(world.status.statusPatches.length, patches);
  });

  test('the certificate rotates at expiration minus expiryOffset and the targets restart once', async (t) => {
    const { world, pki, run, runAtWakeUp, status } = setup();
    await run();
    await runAtWakeUp();
    assert.equal(world.clock.now().toISOString(), '2026-01-01T00:01:20.000Z');
    assert.deepEqual(pki.issued, [SERIAL_1, SERIAL_2]);
    assert.equal(readyOf(status())?.reason, 'CertificateExpiring');
    assert.equal(status()?.serialNumber, SERIAL_2);
    assert.equal(world.secretApi.writesOf('replace').length, 1);
    assert.match(world.secretData(DESTINATION)?.['tls.crt'] ?? '', /leaf-2/);
    assert.equal(world.rollout.restarts.length, 1);
    assert.equal(world.counted.rolloutRestarts, 1);
    t.diagnostic(`rotated at ${world.clock.now().toISOString()}: 1 write, 1 restart`);
  });

  test('with revoke: true the old certificate is revoked only after the rollout finished', async () => {
    const { world, pki, run, runAtWakeUp } = setup();
    await run();
    await runAtWakeUp(); // rotated; the targets are restarting
    await runAtWakeUp();
    assert.deepEqual(pki.revoked, [], 'pods still use the old certificate');
    world.rollout.finish();
    await runAtWakeUp();
    assert.deepEqual(pki.revoked, [SERIAL_1]);
    assert.ok(world.events.events.some((e) => e.reason === 'CertificateRevoked' && e.message.includes(SERIAL_1)));
  });

  test('with revoke: false a rotated certificate is left to expire', async () => {
    const { world, pki, run, runAtWakeUp } = setup({ revoke: false });
    await run();
    await runAtWakeUp();
    world.rollout.finish();
    world.clock.advance(30_000);
    await run();
    assert.equal(pki.issued.length, 2);
    assert.deepEqual(pki.revoked, []);
  });

  test('a deleted destination is re-issued with reason TargetDrifted', async () => {
    const { world, pki, run, status } = setup();
    await run();
    world.secretApi.remove(NAMESPACE, DESTINATION);
    world.clock.advance(5_000);
    await run();
    assert.equal(pki.issued.length, 2);
    assert.equal(readyOf(status())?.reason, 'TargetDrifted');
    assert.match(world.secretData(DESTINATION)?.['tls.crt'] ?? '', /leaf-2/);
  });

  test('a spec change re-issues with reason SpecChanged', async () => {
    const { world, store, pki, run, status } = setup();
    await run();
    store.editSpec(NAMESPACE, NAME, (spec) => {
      spec.altNames = ['web.example.com'];
    });
    world.clock.advance(5_000);
    await run();
    assert.equal(pki.issued.length, 2);
    assert.equal(readyOf(status())?.reason, 'SpecChanged');
    assert.equal(status()?.lastGeneration, 2);
  });

  test('Vault unavailable at rotation keeps the Secret and the old certificate, with Ready=False', async () => {
    const { world, pki, run, runAtWakeUp, status } = setup();
    await run();
    pki.failNext.issue.push(vaultAnswer(503, 'PUT', 'pki/issue/web'));
    await assert.rejects(
      runAtWakeUp(),
      (err: unknown) => err instanceof BackendError && err.errorClass === 'Unavailable',
    );
    assert.equal(world.secretApi.writes.length, 1, 'the Secret is neither rewritten nor deleted');
    assert.match(world.secretData(DESTINATION)?.['tls.crt'] ?? '', /leaf-1/);
    assert.deepEqual(pki.revoked, []);
    assert.equal(status()?.serialNumber, SERIAL_1);
    const ready = readyOf(status());
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'VaultUnavailable');
    assert.match(ready?.message ?? '', /failed PUT pki\/issue\/web \(HTTP 503\)/);
  });

  test('permission denied says which path the policy must allow', async () => {
    const { world, pki, run, status } = setup();
    pki.failNext.issue.push(vaultAnswer(403, 'PUT', 'pki/issue/web', ['permission denied']));
    assert.deepEqual(await run(), {});
    const ready = readyOf(status());
    assert.equal(ready?.reason, 'Forbidden');
    assert.match(ready?.message ?? '', /pki\/issue\/web.*policies allow this path/);
    assert.equal(status()?.valid, false);
    assert.equal(status()?.error, ready?.message);
    assert.equal(world.secretApi.writes.length, 0);
  });

  test('an unknown role is reported as Vault words it, and a missing commonName before Vault is asked', async () => {
    const unknown = setup();
    unknown.pki.failNext.issue.push(vaultAnswer(400, 'PUT', 'pki/issue/web', ['unknown role: web']));
    await unknown.run();
    assert.equal(readyOf(unknown.status())?.reason, 'InvalidSpec');
    assert.match(readyOf(unknown.status())?.message ?? '', /unknown role: web/);

    const noName = setup({ commonName: undefined });
    await noName.run();
    assert.equal(noName.pki.issued.length, 0);
    assert.match(readyOf(noName.status())?.message ?? '', /spec\.commonName is required/);
  });

  test('deleting with revoke: true revokes the certificate and releases the finalizer', async () => {
    const { world, store, pki, run } = setup();
    await run();
    assert.deepEqual(store.get(NAMESPACE, NAME)?.metadata?.finalizers, [VAULT_FINALIZER]);
    store.markDeleted(NAMESPACE, NAME, world.clock.now());
    await run();
    assert.deepEqual(pki.revoked, [SERIAL_1]);
    assert.deepEqual(store.get(NAMESPACE, NAME)?.metadata?.finalizers, []);
  });

  test('deleting with clear: true empties the Secret it created', async () => {
    const { world, store, run } = setup({ revoke: false, clear: true });
    await run();
    store.markDeleted(NAMESPACE, NAME, world.clock.now());
    await run();
    assert.deepEqual(world.secretData(DESTINATION), { 'tls.crt': '', 'tls.key': '' });
    assert.deepEqual(store.get(NAMESPACE, NAME)?.metadata?.finalizers, []);
  });

  test('a destination another resource owns is left untouched and nothing is issued', async () => {
    const { world, pki, run, status } = setup();
    world.putSecretOwnedBy(DESTINATION, 'Certificate/cm-web', 'tls.crt');
    await run();
    assert.equal(pki.issued.length, 0);
    assert.equal(world.secretApi.writes.length, 0);
    assert.equal(readyOf(status())?.reason, 'DestinationBlocked');
    assert.match(readyOf(status())?.message ?? '', /Certificate\/cm-web/);
  });

  test('certificate and key material never reach a condition, a status field or an event', async () => {
    const { world, pki, run, runAtWakeUp } = setup();
    await run();
    await runAtWakeUp();
    pki.failNext.issue.push(vaultAnswer(503, 'PUT', 'pki/issue/web'));
    world.secretApi.remove(NAMESPACE, DESTINATION);
    await run().catch(() => undefined);
    const text = world.visibleText();
    for (const value of ['leaf-1', 'leaf-2', 'key-material-1', 'key-material-2']) {
      assert.ok(!text.includes(value), `"${value}" leaked`);
    }
  });
});
