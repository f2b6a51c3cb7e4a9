import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { connectPostgres, openBaoFromEnv, postgresConfigFromEnv } from '../testing/peers.ts';
import { SEED_DEFAULTS } from './defaults.ts';
import { seedDatabase } from './openbao-engines.ts';

async function roleExists(username: string): Promise<boolean> {
  const admin = await connectPostgres();
  try {
    const res = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    return res.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('OpenBao database credentials on the sandbox PostgreSQL', () => {
  const bao = openBaoFromEnv();

  it('issues a dynamic credential that logs in to PostgreSQL, and revoking its lease drops the role', async () => {
    const creds = await bao.read(`${SEED_DEFAULTS.databaseMount}/creds/${SEED_DEFAULTS.dynamicRole}`);
    const username = String(creds.data?.username);
    assert.ok(creds.lease_id);

    const app = await connectPostgres({ user: username, password: String(creds.data?.password) });
    const who = await app.query('SELECT current_user AS u');
    await app.end();
    assert.equal(who.rows[0]?.u, username);
    assert.equal(await roleExists(username), true);

    await bao.write('sys/leases/revoke', { lease_id: creds.lease_id, sync: true });
    assert.equal(await roleExists(username), false);
  });

  it('serves the static role with a password that logs in as the pre-created PostgreSQL role', async () => {
    const creds = await bao.read(`${SEED_DEFAULTS.databaseMount}/static-creds/${SEED_DEFAULTS.staticRole}`);
    assert.equal(creds.data?.username, SEED_DEFAULTS.staticUsername);
    assert.ok(creds.data?.last_vault_rotation);
    const app = await connectPostgres({ user: SEED_DEFAULTS.staticUsername, password: String(creds.data?.password) });
    const who = await app.query('SELECT current_user AS u');
    await app.end();
    assert.equal(who.rows[0]?.u, SEED_DEFAULTS.staticUsername);
  });

  it('lets a suite seed its own isolated database mount with short TTLs', async () => {
    const mount = `database-${randomBytes(3).toString('hex')}`;
    await seedDatabase(bao, {
      postgres: postgresConfigFromEnv(),
      mount,
      dynamicRole: { name: 'short', defaultTtl: '30s', maxTtl: '60s' },
      staticRole: false,
    });
    try {
      const creds = await bao.read(`${mount}/creds/short`);
      assert.equal(creds.lease_duration, 30);
      assert.equal(await roleExists(String(creds.data?.username)), true);
    } finally {
      await bao.delete(`sys/mounts/${mount}`); // unmounting revokes the mount's leases
    }
  });
});

describe('the other seeded OpenBao engines', () => {
  const bao = openBaoFromEnv();

  it('holds the example secret in KV v1 and KV v2', async () => {
    const v1 = await bao.read(`${SEED_DEFAULTS.kvV1Mount}/app/config`);
    const v2 = await bao.read(`${SEED_DEFAULTS.kvV2Mount}/data/app/config`);
    assert.equal(v1.data?.password, 'correct-horse-battery-staple');
    assert.deepEqual(v2.data?.data, v1.data);
  });

  it('issues a certificate for a subdomain of example.com and refuses other domains', async () => {
    const ok = await bao.write(`${SEED_DEFAULTS.pkiMount}/issue/${SEED_DEFAULTS.pkiRole}`, {
      common_name: 'app.example.com',
      ttl: '1h',
    });
    assert.match(String(ok.data?.certificate), /^-----BEGIN CERTIFICATE-----/);
    const refused = await bao.request('POST', `${SEED_DEFAULTS.pkiMount}/issue/${SEED_DEFAULTS.pkiRole}`, {
      common_name: 'app.example.org',
    });
    assert.equal(refused.status, 400);
  });

  it('encrypts and decrypts with the transit key', async () => {
    const plaintext = Buffer.from('lockstep').toString('base64');
    const enc = await bao.write(`${SEED_DEFAULTS.transitMount}/encrypt/${SEED_DEFAULTS.transitKey}`, { plaintext });
    const dec = await bao.write(`${SEED_DEFAULTS.transitMount}/decrypt/${SEED_DEFAULTS.transitKey}`, {
      ciphertext: enc.data?.ciphertext,
    });
    assert.equal(dec.data?.plaintext, plaintext);
  });

  it('logs the app role in at auth/approle', async () => {
    const roleId = await bao.read(`auth/${SEED_DEFAULTS.approleMount}/role/${SEED_DEFAULTS.approleRole}/role-id`);
    const secretId = await bao.write(`auth/${SEED_DEFAULTS.approleMount}/role/${SEED_DEFAULTS.approleRole}/secret-id`);
    const login = await bao.withToken(undefined).write(`auth/${SEED_DEFAULTS.approleMount}/login`, {
      role_id: roleId.data?.role_id,
      secret_id: secretId.data?.secret_id,
    });
    assert.ok(login.auth?.policies.includes(SEED_DEFAULTS.policy));
  });
});
