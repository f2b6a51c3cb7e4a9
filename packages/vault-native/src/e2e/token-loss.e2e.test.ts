import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LockstepProcess } from '@lockstep/sandbox';
import { tryLogin } from './database-fixture.ts';
import { type Harness, readyOf, startHarness, waitFor } from './harness.ts';
import { groupedDatabase, lockstepProcesses, patchDynamicSecret } from './lease-group-fixture.ts';

// Issue 12, item 7: the controller's persisted login token is lost three ways while it is down.
// It logs in again, says so in an Event on the VaultAuth, and re-issues only what the loss
// really killed: nothing when the token is merely unreadable (its key deleted, its Secret
// corrupted: the old token and its leases live on in Vault), and each lease once, at once,
// when the token was revoked in Vault (its leases died with it).

const RESOURCES = ['res-1', 'res-2'];

interface Picture {
  leases: string[];
  secrets: Array<Record<string, string> | undefined>;
}

describe('a restarted lockstep whose persisted login token is gone', () => {
  let h: Harness;
  let namespace: string;
  let procs: Awaited<ReturnType<typeof lockstepProcesses>>;
  let proc: LockstepProcess | undefined;

  before(async () => {
    h = await startHarness({ controllers: false });
    procs = await lockstepProcesses(h);
    // Ten-minute leases: nothing is due by time while the test runs, so every issue is the loss's doing.
    const ttl = { defaultTtl: '10m', maxTtl: '20m' };
    ({ namespace } = await groupedDatabase(h, Object.fromEntries(RESOURCES.map((r) => [r, ttl]))));
    await restart();
    for (const name of RESOURCES) {
      await waitFor(`${name} synced`, async () => readyOf(await resource(name))?.status === 'True', 60_000);
    }
  });

  after(async () => {
    await (procs ? procs.teardown() : h?.stop());
  });

  const resource = (name: string) => h.getObject('VaultDynamicSecret', namespace, name);
  const picture = async (): Promise<Picture> => ({
    leases: await Promise.all(RESOURCES.map(async (r) => (await resource(r))?.status?.lockstep?.ledger?.leaseId)),
    secrets: await Promise.all(RESOURCES.map((r) => h.secretData(namespace, `${r}-creds`))),
  });
  /** Kubernetes-auth logins: OpenBao reviews the service-account token the controller requested. */
  const logins = () => h.server.requests().filter((r) => r.resource === 'tokenreviews' && r.verb === 'create').length;
  /** Events with `reason` in the tenant namespace (the VaultAuth's and the resources'). */
  const events = async (reason: string) =>
    (await h.core.listNamespacedEvent({ namespace, fieldSelector: `reason=${reason}` })).items;
  /** SecretRotated events (one per re-issue) not among `before` (event names). */
  const rotatedSince = async (before: Set<string | undefined>) =>
    (await events('SecretRotated')).filter((e) => !before.has(e.metadata?.name));
  /** Successful VaultDynamicSecret reconciles of the running process (a positive "it looked" signal). */
  const reconciles = async (): Promise<number> => {
    const text = await proc?.metrics();
    let total = 0;
    for (const line of text?.split('\n') ?? []) {
      if (line.startsWith('lockstep_reconcile_total{') && line.includes('kind="VaultDynamicSecret"')) {
        if (line.includes('result="success"')) total += Number(line.split(' ').pop());
      }
    }
    return total;
  };
  const leaseAlive = async (leaseId: string) =>
    (await h.bao.request('PUT', 'sys/leases/lookup', { lease_id: leaseId })).status === 200;

  async function restart(): Promise<void> {
    await proc?.kill();
    proc = procs.start();
    await proc.ready(60_000);
  }

  /** Restarts after `lose`, waits for the Event and for every resource to be looked at; answers the figures. */
  async function restartAfter(lose: () => Promise<void>, reason: string) {
    const before = await picture();
    const eventsBefore = (await events(reason)).length;
    const rotatedBefore = new Set((await events('SecretRotated')).map((e) => e.metadata?.name));
    const loginsBefore = logins();
    await proc?.kill();
    await lose();
    await restart();
    const said = await waitFor(`Event ${reason}`, async () => {
      const list = await events(reason);
      return list.length > eventsBefore ? list[list.length - 1] : undefined;
    });
    // Every resource decided by this process: the positive signal before asserting nothing happened.
    await waitFor('each resource reconciled', async () => (await reconciles()) >= RESOURCES.length, 30_000);
    return { before, said, rotatedBefore, loginsBefore };
  }

  test('persisted token revoked in Vault: logs in again, says so, re-issues each dead lease once, at once', async () => {
    // The token the controller persisted, which is also the one its leases hang on (first run).
    const accessor = (await resource('res-1'))?.status?.lockstep?.ledger?.tokenAccessor as string;
    const { before, said, rotatedBefore } = await restartAfter(async () => {
      // As an operator would: the token and everything created with it.
      await h.bao.write('auth/token/revoke-accessor', { accessor });
      for (const id of (await picture()).leases) {
        await waitFor('the lease revoked with its token', async () => !(await leaseAlive(id)), 20_000);
      }
    }, 'LoginTokenRevoked');
    assert.match(said.message ?? '', new RegExp(`accessor ${accessor}`));
    const reissued = await waitFor('new leases for every resource', async () => {
      const p = await picture();
      return p.leases.every((id, i) => id && id !== before.leases[i]) ? p : undefined;
    });
    // A positive signal that nothing more comes: each resource looked at again (an annotation
    // wakes it without a spec change), and still the same lease.
    const seen = await reconciles();
    for (const name of RESOURCES) {
      await patchDynamicSecret(h, namespace, name, {
        metadata: { annotations: { 'test.lockstep.dev/poke': String(Date.now()) } },
      });
    }
    await waitFor('another reconcile of each', async () => (await reconciles()) >= seen + RESOURCES.length, 30_000);
    assert.deepEqual((await picture()).leases, reissued.leases, 'each resource re-issued once');
    const rotated = await rotatedSince(rotatedBefore);
    assert.equal(rotated.length, RESOURCES.length, 'one re-issue per dead lease');
    for (const e of rotated) assert.match(e.message ?? '', /LeaseExpired/);
    for (const [i, d] of reissued.secrets.entries()) {
      assert.notDeepEqual(d, before.secrets[i]);
      assert.equal(await tryLogin(d?.username as string, d?.password as string), 'ok');
    }
    console.log(
      `token-loss revoked figures ${JSON.stringify({ deadLeases: RESOURCES.length, reissues: rotated.length, reissuesNotDue: rotated.length - RESOURCES.length })}`,
    );
  });

  test('token key Secret deleted: logs in again, says so, re-issues nothing', async () => {
    const { before, said, rotatedBefore, loginsBefore } = await restartAfter(
      () => h.core.deleteNamespacedSecret({ namespace: h.controllerNamespace, name: 'lockstep-token-key' }).then(),
      'LoginTokenUnreadable',
    );
    assert.equal(said.involvedObject.kind, 'VaultAuth');
    assert.match(said.message ?? '', /could not be opened .*logged in again/);
    assert.ok(logins() > loginsBefore, 'a new login');
    const after = await picture();
    assert.deepEqual(after, before, 'same leases, same Secrets');
    assert.deepEqual(await rotatedSince(rotatedBefore), [], 're-issued nothing');
    for (const id of after.leases) assert.ok(await leaseAlive(id), 'the leases live on in OpenBao');
    console.log(`token-loss key-deleted figures ${JSON.stringify({ reissues: 0, logins: logins() - loginsBefore })}`);
  });

  test('tokens Secret corrupted: logs in again, says so, re-issues nothing', async () => {
    const { before, said, rotatedBefore, loginsBefore } = await restartAfter(async () => {
      const s = await h.core.readNamespacedSecret({ namespace: h.controllerNamespace, name: 'lockstep-vault-tokens' });
      const garbage = Buffer.from('not a sealed token').toString('base64');
      s.data = Object.fromEntries(Object.keys(s.data ?? {}).map((k) => [k, garbage]));
      await h.core.replaceNamespacedSecret({
        namespace: h.controllerNamespace,
        name: 'lockstep-vault-tokens',
        body: s,
      });
    }, 'LoginTokenUnreadable');
    assert.equal(said.involvedObject.kind, 'VaultAuth');
    assert.ok(logins() > loginsBefore, 'a new login');
    const after = await picture();
    assert.deepEqual(after, before, 'same leases, same Secrets');
    assert.deepEqual(await rotatedSince(rotatedBefore), [], 're-issued nothing');
    for (const id of after.leases) assert.ok(await leaseAlive(id), 'the leases live on in OpenBao');
    console.log(`token-loss corrupted figures ${JSON.stringify({ reissues: 0, logins: logins() - loginsBefore })}`);
  });
});
