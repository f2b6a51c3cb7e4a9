import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { usersOfDynamicRole } from '@lockstep/sandbox';
import { applyDatabaseCreds, createDynamicDatabase, type DynamicDatabase, tryLogin } from './database-fixture.ts';
import { type Harness, startHarness, waitFor } from './harness.ts';

interface Sample {
  username: string;
  login: 'ok' | string;
  /** Roles of this database role in pg_roles, read after the login. */
  roles: string[];
  /** The restart annotation read first, before the Secret: it predates any rotation the Secret shows later. */
  restartedAtFirst: string | undefined;
  /** The Deployment, read after pg_roles: a role revoked before that read means its rollout had finished. */
  restartedAt: string | undefined;
  rolloutComplete: boolean;
}

// SPEC §2 lease engine 2: Vault caps the lease (max_ttl), the engine re-issues before the old
// credential dies, restarts the target and revokes the old role only after the rollout. An
// application that reads the Secret at any moment always logs in.
describe('a database role rotated several times by max_ttl', () => {
  let h: Harness;
  let db: DynamicDatabase;

  before(async () => {
    h = await startHarness();
    db = await createDynamicDatabase(h, { defaultTtl: '4s', maxTtl: '12s' });
  });
  after(async () => {
    await h?.stop();
  });

  test('an application reading the Secret never fails to log in, and each old role goes only after its rollout', async () => {
    const ns = db.tenant.namespace;
    await h.createDeployment(ns, 'api');
    await applyDatabaseCreds(h, db, { rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] });
    await waitFor('the credentials', () => h.secretData(ns, 'db-creds'));

    const samples: Sample[] = [];
    const distinct = () => new Set(samples.map((s) => s.username)).size;
    const deadline = Date.now() + 70_000;
    // Three rotations: four usernames, and the third one's predecessor revoked.
    while (distinct() < 5 && Date.now() < deadline) {
      samples.push(await sample(h, ns, db.role));
      await new Promise((r) => setTimeout(r, 300));
    }
    const usernames = [...new Set(samples.map((s) => s.username))];
    assert.ok(usernames.length >= 4, `at least three rotations; saw ${usernames.length - 1}`);
    const failed = samples.filter((s) => s.login !== 'ok');
    assert.deepEqual(
      failed.map((s) => `${s.username}: ${s.login}`),
      [],
      `every login with the Secret's credentials works (${samples.length} tried)`,
    );

    for (const [i, old] of usernames.slice(0, 3).entries()) {
      const switched = samples.findIndex((s) => s.username === usernames[i + 1]);
      const before = samples[switched - 1] as Sample;
      const gone = samples.findIndex((s, j) => j >= switched && !s.roles.includes(old));
      assert.ok(gone > 0, `${old} is revoked after its successor is written`);
      const goneSample = samples[gone] as Sample;
      assert.notEqual(
        goneSample.restartedAt,
        before.restartedAtFirst,
        `the target restarted before ${old} was revoked`,
      );
      assert.ok(goneSample.rolloutComplete, `the rollout had finished when ${old} was revoked`);
    }
  });
});

async function sample(h: Harness, ns: string, role: string): Promise<Sample> {
  const restartedAtFirst = await h.restartedAt(ns, 'api');
  const data = await h.secretData(ns, 'db-creds');
  const username = data?.username ?? '(no Secret)';
  const login = await tryLogin(username, data?.password ?? '');
  const roles = await usersOfDynamicRole(role);
  const d = await h.apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
  const replicas = d.spec?.replicas ?? 1;
  return {
    username,
    login,
    restartedAtFirst,
    roles,
    restartedAt: d.spec?.template?.metadata?.annotations?.['lockstep.dev/restartedAt'],
    rolloutComplete: d.status?.observedGeneration === d.metadata?.generation && d.status?.updatedReplicas === replicas,
  };
}
