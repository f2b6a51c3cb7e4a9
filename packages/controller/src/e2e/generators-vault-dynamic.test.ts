// ESO's VaultDynamicSecret generator on the lease engine, end to end: the real controller, the
// real control plane, OpenBao's database engine over the sandbox's PostgreSQL. The manifests are
// ESO's documented generator shape with only apiVersion changed. Where ESO would issue a new
// credential at every refresh and leave the old lease to expire, the lease is renewed, replaced
// before max_ttl, revoked after the rollout and on delete, and a restart re-issues nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { appDeployment, connectPostgres, findLeaks, postgresConfigFromEnv, seedDatabase } from '@lockstep/sandbox';
import type { ControllerUnderTest } from '../testing/controller-under-test.ts';
import { type E2e, startE2e, waitForReady } from '../testing/e2e-harness.ts';
import { EXTERNAL, externalSecret, GENERATORS } from '../testing/external-resources.ts';
import { type OpenBaoForE2e, openBaoForE2e } from '../testing/openbao-for-e2e.ts';
import { restartController } from '../testing/restart-controller.ts';
import { waitFor } from '../testing/wait-for.ts';

async function roleExists(name: string): Promise<boolean> {
  const c = await connectPostgres();
  try {
    return ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await c.end().catch(() => {});
  }
}

describe('VaultDynamicSecret generator on the lease engine (OpenBao + PostgreSQL)', () => {
  let e: E2e;
  let bao: OpenBaoForE2e;
  let apps: AppsV1Api;
  let restarted: ControllerUnderTest | undefined;
  const mounts: string[] = [];

  /** A database mount with one dynamic role, a token allowed to use it, in a namespace of its own. */
  async function tenant(prefix: string, ttl: { defaultTtl: string; maxTtl: string }) {
    const mount = e.unique('db');
    mounts.push(mount);
    const role = e.unique('r').slice(-8);
    await seedDatabase(bao.bao, {
      postgres: postgresConfigFromEnv(),
      mount,
      connectionName: 'pg',
      dynamicRole: { name: role, ...ttl },
      staticRole: false,
    });
    const token = await bao.token(
      [
        `path "${mount}/creds/${role}" { capabilities = ["read"] }`,
        'path "sys/leases/renew" { capabilities = ["update"] }',
        'path "sys/leases/revoke" { capabilities = ["update"] }',
        'path "sys/leases/lookup" { capabilities = ["update"] }',
      ].join('\n'),
    );
    const ns = await e.namespace(prefix);
    await e.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'vault-token' }, stringData: { token } },
    });
    // ESO's documented generator, apiVersion changed.
    await e.apply({
      apiVersion: GENERATORS,
      kind: 'VaultDynamicSecret',
      metadata: { namespace: ns, name: 'pg-creds' },
      spec: {
        path: `/${mount}/creds/${role}`,
        method: 'GET',
        provider: {
          server: bao.addr,
          auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
        },
      },
    });
    return ns;
  }

  /** An ExternalSecret whose dataFrom is the generator `generator` (ESO's shape), into Secret `target`. */
  const applyExternalSecret = (
    ns: string,
    extra: object = {},
    name = 'db',
    generator = 'pg-creds',
    target = 'db-creds',
  ) =>
    e.apply(
      externalSecret(ns, name, {
        refreshInterval: '1h',
        target: { name: target },
        dataFrom: [
          { sourceRef: { generatorRef: { apiVersion: GENERATORS, kind: 'VaultDynamicSecret', name: generator } } },
        ],
        ...extra,
      }),
    );

  const ledgerOf = async (ns: string) =>
    (await e.get(EXTERNAL, 'ExternalSecret', ns, 'db'))?.status?.lockstep?.ledgers?.[0] as
      | { leaseId: string; lastRenewedAt?: string; previous?: Array<{ leaseId: string }> }
      | undefined;

  const credentials = async (ns: string) => {
    const d = await e.secret(ns, 'db-creds');
    if (d?.username) e.rememberSecretValues(d.password ?? '');
    return d?.username ? d : undefined;
  };

  before(async () => {
    e = await startE2e({ file: 'genvds' });
    bao = await openBaoForE2e(e);
    apps = e.kc.makeApiClient(AppsV1Api);
  });
  after(async () => {
    await e?.stop();
    await restarted?.stop();
    for (const m of mounts) await bao?.bao.delete(`sys/mounts/${m}`).catch(() => {});
    await bao?.stop();
  });

  test('renewed, re-issued on a spec change, the old role dropped only after the rollout, revoked on delete', async () => {
    // A renewable lease far from its max TTL: the old credential lives until Lockstep revokes it,
    // so its revocation shows when Lockstep did it. (A lease capped by max_ttl dies on its own at
    // the cap, whatever the rollout: the engine's timing of that re-issue is lease-decision.ts's,
    // shared with VaultDynamicSecret and tested there.)
    const ns = await tenant('genvds-rot', { defaultTtl: '4s', maxTtl: '10m' });
    await apps.createNamespacedDeployment({ namespace: ns, body: appDeployment('api', { minReadySeconds: 6 }) });
    const targets = { rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] };
    await applyExternalSecret(ns, targets);
    const first = await waitFor('the credentials', () => credentials(ns));
    const c = await connectPostgres({ user: first.username, password: first.password });
    assert.equal((await c.query('SELECT current_user AS u')).rows[0].u, first.username);
    await c.end();
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'db' }, 'True', { reason: 'SecretSynced' });
    const issued = await waitFor('the ledger', () => ledgerOf(ns));
    assert.match(issued.leaseId, /creds/);

    await waitFor('a renewal recorded in the ledger', async () => (await ledgerOf(ns))?.lastRenewedAt);
    assert.equal((await ledgerOf(ns))?.leaseId, issued.leaseId, 'renewed, not re-issued');
    await applyExternalSecret(ns, { ...targets, refreshInterval: '30m' });
    const second = await waitFor(
      'new credentials for the changed spec',
      async () => {
        const d = await credentials(ns);
        return d && d.username !== first.username ? d : undefined;
      },
      30_000,
    );
    // The rollout takes at least minReadySeconds (6 s) after the restart: the old role must outlive the write.
    assert.ok(await roleExists(first.username as string), 'the old role lives until the rollout finished');
    await waitFor(
      'the old role revoked after the rollout',
      async () => !(await roleExists(first.username as string)),
      25_000,
    );
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.ok(d.spec?.template?.metadata?.annotations?.['lockstep.dev/restartedAt'], 'the Deployment was restarted');

    await e.remove(EXTERNAL, 'ExternalSecret', ns, 'db');
    await waitFor('the ExternalSecret to go', async () => !(await e.get(EXTERNAL, 'ExternalSecret', ns, 'db')));
    const live = second.username as string;
    // The live lease of the moment of deletion, whichever rotation that was.
    await waitFor('every role of the generator revoked on delete', async () => !(await roleExists(live)), 15_000);
  });

  test('a restarted controller resumes from the ledger and re-issues nothing', async () => {
    const ns = await tenant('genvds-rst', { defaultTtl: '10m', maxTtl: '20m' });
    await applyExternalSecret(ns, { refreshInterval: '2s' });
    const first = await waitFor('the credentials', () => credentials(ns));
    const ledger = await waitFor('the ledger', () => ledgerOf(ns));
    const writes = e.secretWrites(ns, 'db-creds');

    restarted = await restartController(e);
    assert.equal((await ledgerOf(ns))?.leaseId, ledger.leaseId, 'the same lease');
    assert.deepEqual(await credentials(ns), first, 'the same credentials');
    assert.equal(e.secretWrites(ns, 'db-creds'), writes, 'the Secret was not written again');
    assert.ok(await roleExists(first.username as string));
    const leaks = await findLeaks(
      { logFile: (restarted as ControllerUnderTest).logFile, core: e.core, custom: e.custom },
      [first.password as string],
    );
    assert.deepEqual(leaks, []);
  });

  test('bad input: a missing generator and a missing token Secret are Ready=False saying what to fix', async () => {
    const ns = await e.namespace('genvds-bad');
    await applyExternalSecret(ns, {}, 'no-generator', 'absent', 'x');
    const missing = await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'no-generator' }, 'False');
    assert.match(missing.message ?? '', /absent/);
    await e.apply({
      apiVersion: GENERATORS,
      kind: 'VaultDynamicSecret',
      metadata: { namespace: ns, name: 'no-token' },
      spec: {
        path: 'database/creds/none',
        provider: { server: bao.addr, auth: { tokenSecretRef: { name: 'not-there', key: 'token' } } },
      },
    });
    await applyExternalSecret(ns, {}, 'no-token', 'no-token', 'y');
    const noToken = await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'no-token' }, 'False');
    assert.match(noToken.message ?? '', /not-there/);
    assert.equal(await e.secret(ns, 'y'), undefined, 'nothing written');
  });
});
