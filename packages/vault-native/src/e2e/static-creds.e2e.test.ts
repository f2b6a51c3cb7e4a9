import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectPostgres, postgresConfigFromEnv, seedDatabase } from '@lockstep/sandbox';
import { tryLogin } from './database-fixture.ts';
import { type Harness, startHarness, type Tenant, unique, waitFor } from './harness.ts';

interface Sample {
  password: string;
  login: 'ok' | string;
  restartedAt: string | undefined;
}

// VaultDynamicSecret over database/static-creds (allowStaticCreds): OpenBao rotates the
// password of a fixed PostgreSQL user every rotation_period; the engine re-reads just after
// the reported ttl, writes the new password and restarts the target once per rotation.
describe('a static database role rotated by OpenBao', () => {
  let h: Harness;
  let tenant: Tenant;
  let mount: string;
  const staticRole = unique('static');
  const username = unique('static_user').replace('-', '_');

  before(async () => {
    h = await startHarness();
    mount = await h.mount('db', 'database');
    await seedDatabase(h.bao, {
      postgres: postgresConfigFromEnv(),
      mount,
      connectionName: 'pg',
      staticRole: { name: staticRole, username, rotationPeriod: '6s' },
    });
    tenant = await h.createTenant(`path "${mount}/static-creds/${staticRole}" { capabilities = ["read"] }`);
  });
  after(async () => {
    await h?.stop();
    const c = await connectPostgres();
    await c.query(`DROP ROLE IF EXISTS "${username}"`).catch(() => {});
    await c.end().catch(() => {});
  });

  test('after each rotation the Secret carries the new password and the target restarts', async () => {
    const ns = tenant.namespace;
    await h.createDeployment(ns, 'api');
    await h.apply('VaultDynamicSecret', ns, 'creds', {
      mount,
      path: `static-creds/${staticRole}`,
      allowStaticCreds: true,
      destination: { name: 'db-creds', create: true },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }],
    });
    const first = await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));
    assert.equal(first.username, username);
    assert.equal(first.ttl, undefined, 'the ttl, which changes on every read, stays out of the Secret');
    const firstRotation = (await waitFor('static creds metadata', async () => {
      const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
      return o?.status?.staticCredsMetaData?.lastVaultRotation;
    })) as number;

    const samples: Sample[] = [];
    const passwords = () => [...new Set(samples.map((s) => s.password))];
    const deadline = Date.now() + 40_000;
    // Two rotations, and the restart of the second one seen.
    while (Date.now() < deadline) {
      samples.push(await sample(h, ns));
      const last = samples.at(-1) as Sample;
      const switches = switchIndexes(samples);
      if (switches.length >= 2 && last.restartedAt !== samples[(switches[1] as number) - 1]?.restartedAt) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const switches = switchIndexes(samples);
    assert.ok(switches.length >= 2, `two rotations reached the Secret; saw ${passwords().length - 1}`);

    for (const pw of passwords()) {
      assert.ok(
        samples.some((s) => s.password === pw && s.login === 'ok'),
        'each password the Secret carried logs in',
      );
    }
    for (const k of switches) {
      const before = samples[k - 1] as Sample;
      const nextSwitch = switches.find((j) => j > k) ?? samples.length;
      assert.ok(
        samples.slice(k, nextSwitch).some((s) => s.restartedAt !== undefined && s.restartedAt !== before.restartedAt),
        'the target restarted after the rotation',
      );
    }
    // Once per rotation, never for a re-read that found the same password.
    assert.ok(
      h.deploymentPatches(ns, 'api') <= passwords().length,
      `at most one restart per rotation (${h.deploymentPatches(ns, 'api')} for ${passwords().length - 1})`,
    );
    const o = await h.getObject('VaultDynamicSecret', ns, 'creds');
    assert.ok(o?.status?.staticCredsMetaData?.lastVaultRotation > firstRotation, 'status shows the latest rotation');
    assert.equal(await h.restartedAt(ns, 'api'), (samples.at(-1) as Sample).restartedAt);
  });
});

/** Indexes of the samples whose password differs from the sample before. */
function switchIndexes(samples: Sample[]): number[] {
  return samples.flatMap((s, i) => (i > 0 && s.password !== samples[i - 1]?.password ? [i] : []));
}

async function sample(h: Harness, ns: string): Promise<Sample> {
  // The restart marker first: the controller writes the Secret, then restarts the target, so
  // a sample read the other way round could see a rotation's restart with its old password.
  const restartedAt = await h.restartedAt(ns, 'api');
  const data = await h.secretData(ns, 'db-creds');
  const login = await tryLogin(data?.username ?? '', data?.password ?? '');
  return { password: data?.password ?? '', login, restartedAt };
}
