import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  applyDatabaseCreds,
  createDynamicDatabase,
  type DynamicDatabase,
  roleExists,
  tryLogin,
} from './database-fixture.ts';
import { type Harness, startHarness, waitFor } from './harness.ts';

interface Sample {
  username: string;
  login: 'ok' | string;
  leaseId: string | undefined;
  accessor: string | undefined;
  /** The status named the same lease before and after the Secret was read. */
  consistent: boolean;
}

// SPEC §2 lease engine 4: leases die with the login token that created them. The token's max
// TTL (12 s) is shorter than the database lease (60 s), so the engine must log in again and
// replace the lease under the new token before the old token, and the lease with it, dies.
describe('a login token that reaches its max TTL before the leases it holds', () => {
  let h: Harness;
  let db: DynamicDatabase;

  before(async () => {
    h = await startHarness();
    db = await createDynamicDatabase(h, { defaultTtl: '60s', maxTtl: '10m' });
    await h.bao.write(`auth/${h.authMount}/role/${db.tenant.role}`, {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: [db.tenant.namespace],
      token_policies: [db.tenant.policy],
      token_ttl: '4s',
      token_max_ttl: '12s',
    });
  });
  after(async () => {
    await h?.stop();
  });

  test('re-issues the credentials under the new token before the old token dies, never handing out a dead one', async () => {
    const ns = db.tenant.namespace;
    await applyDatabaseCreds(h, db);
    await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));

    const samples: Sample[] = [];
    /** Each login token the ledger named, with the last expiry OpenBao reported while it lived. */
    const tokenExpiry = new Map<string, number>();
    const dead = new Set<string>();
    const leaseIssued = new Map<string, number>();
    const accessors = () => [...new Set(samples.map((s) => s.accessor).filter((a) => a !== undefined))];
    const deadline = Date.now() + 50_000;
    // Two replacements: three tokens, the first two seen dead.
    while (
      !(
        accessors().length >= 3 &&
        accessors()
          .slice(0, 2)
          .every((a) => dead.has(a))
      ) &&
      Date.now() < deadline
    ) {
      const s = await sample(h, ns);
      samples.push(s);
      if (s.accessor && !tokenExpiry.has(s.accessor)) tokenExpiry.set(s.accessor, 0);
      if (s.leaseId && !leaseIssued.has(s.leaseId)) {
        const lookup = await h.bao.write('sys/leases/lookup', { lease_id: s.leaseId });
        leaseIssued.set(s.leaseId, Date.parse(String(lookup.data?.issue_time)));
      }
      for (const accessor of tokenExpiry.keys()) {
        if (dead.has(accessor)) continue;
        const res = await h.bao.request('POST', 'auth/token/lookup-accessor', { accessor });
        if (res.status >= 400) dead.add(accessor);
        else tokenExpiry.set(accessor, Date.parse(String(res.body.data?.expire_time)));
      }
      await new Promise((r) => setTimeout(r, 200));
    }

    const seen = accessors();
    assert.ok(seen.length >= 3, `the token was replaced twice; the ledger named ${seen.length} token(s)`);
    assert.deepEqual(
      samples.filter((s) => s.login !== 'ok').map((s) => `${s.username}: ${s.login}`),
      [],
      `the Secret never holds credentials that no longer log in (${samples.length} tried)`,
    );
    for (const [i, oldAccessor] of seen.slice(0, 2).entries()) {
      assert.ok(dead.has(oldAccessor), 'the old token reached its max TTL');
      const last = samples.findLast((s) => s.consistent && s.accessor === oldAccessor) as Sample;
      const next = samples.find((s) => s.consistent && s.accessor === seen[i + 1]) as Sample;
      assert.notEqual(next.username, last.username, 'new credentials replace the ones of the old token');
      assert.notEqual(next.leaseId, last.leaseId);
      assert.ok(
        (leaseIssued.get(next.leaseId as string) as number) < (tokenExpiry.get(oldAccessor) as number),
        'the replacement was issued before the old token expired',
      );
      // The old lease died with its token: the replacement was needed, not a needless rotation.
      await waitFor('the old role gone with its token', async () => !(await roleExists(last.username)), 10_000);
    }
  });
});

async function sample(h: Harness, ns: string): Promise<Sample> {
  // The status is patched after the Secret is written: when it names the same lease before and
  // after the Secret read, the Secret holds that lease's credentials.
  const vds = await h.getObject('VaultDynamicSecret', ns, 'creds');
  const data = await h.secretData(ns, 'db-creds');
  const again = await h.getObject('VaultDynamicSecret', ns, 'creds');
  const username = data?.username ?? '(no Secret)';
  const login = await tryLogin(username, data?.password ?? '');
  const ledger = vds?.status?.lockstep?.ledger;
  const consistent = ledger?.leaseId !== undefined && ledger.leaseId === again?.status?.lockstep?.ledger?.leaseId;
  return { username, login, leaseId: ledger?.leaseId, accessor: ledger?.tokenAccessor, consistent };
}
