import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '@lockstep/core';
import { baoPeer, mountKv, postgresEnv, rootClient, uniqueName, writePolicy } from './testing/bao-test-peer.ts';
import { type PrivateBao, startPrivateBao } from './testing/private-bao.ts';
import { VaultClient } from './vault-client.ts';
import { VaultVersionGoneError } from './vault-error.ts';

async function rejectsWith(promise: Promise<unknown>, errorClass: string, message?: RegExp): Promise<BackendError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BackendError, `expected a BackendError, got ${String(err)}`);
    assert.equal(err.errorClass, errorClass, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a ${errorClass} error`);
}

// Without the sandbox peers this fails (it never skips); the suites below fail with it.
it('runs against the sandbox peers (OpenBao, PostgreSQL)', () => {
  baoPeer();
  postgresEnv();
});

describe('Vault client against OpenBao', () => {
  const { client, root, peer } = rootClient();
  let kv2: string;
  let kv1: string;

  before(async () => {
    kv2 = await mountKv(client, root, 2);
    kv1 = await mountKv(client, root, 1);
  });

  after(() => client.close());

  it("reads, writes and lists secrets whose names hold ', #, ?, % and spaces", async () => {
    const names = ["it's", 'a#b', 'what?', '100%', 'with space', 'grüße'];
    for (const [i, name] of names.entries()) {
      await client.write(`${kv2}/data/odd/${name}`, { data: { i } }, { token: root });
      await client.write(`${kv1}/odd/${name}`, { i }, { token: root });
    }
    for (const [i, name] of names.entries()) {
      const v2 = await client.read<{ data: { i: number } }>(`${kv2}/data/odd/${name}`, { token: root });
      assert.equal(v2.data?.data.i, i, name);
      const v1 = await client.read<{ i: number }>(`${kv1}/odd/${name}`, { token: root });
      assert.equal(v1.data?.i, i, name);
    }
    assert.deepEqual((await client.list(`${kv2}/metadata/odd`, { token: root })).sort(), [...names].sort());
    assert.deepEqual((await client.list(`${kv1}/odd`, { token: root })).sort(), [...names].sort());
  });

  it('lists an empty folder as no keys', async () => {
    assert.deepEqual(await client.list(`${kv2}/metadata/nothing-here`, { token: root }), []);
  });

  it('tells a deleted or destroyed KV v2 version apart from a missing path', async () => {
    const path = `${kv2}/data/versions`;
    await client.write(path, { data: { v: 1 } }, { token: root });
    await client.write(path, { data: { v: 2 } }, { token: root });
    await client.delete(path, { token: root }); // soft-deletes the latest version (2)
    await client.write(`${kv2}/destroy/versions`, { versions: [1] }, { token: root });

    const deleted = await rejectsWith(client.read(path, { token: root }), 'NotFound', /version 2 .* was deleted/);
    assert.ok(deleted instanceof VaultVersionGoneError);
    assert.equal(deleted.destroyed, false);
    const destroyed = await rejectsWith(client.read(path, { token: root, query: { version: 1 } }), 'NotFound');
    assert.ok(destroyed instanceof VaultVersionGoneError);
    assert.equal(destroyed.destroyed, true);

    const missing = await rejectsWith(client.read(`${kv2}/data/never-written`, { token: root }), 'NotFound');
    assert.ok(!(missing instanceof VaultVersionGoneError));
  });

  it('classifies a path outside the token policy as Forbidden, without the token in the message', async () => {
    const policy = await writePolicy(client, root, `path "${kv2}/data/allowed" { capabilities = ["read"] }`);
    const created = await client.write('auth/token/create', { policies: [policy], ttl: '5m' }, { token: root });
    const token = created.auth?.clientToken as string;
    await client.write(`${kv2}/data/allowed`, { data: { ok: true } }, { token: root });
    assert.equal((await client.read<{ data: { ok: boolean } }>(`${kv2}/data/allowed`, { token })).data?.data.ok, true);
    const err = await rejectsWith(
      client.read(`${kv2}/data/secret-elsewhere`, { token }),
      'Forbidden',
      /permission denied/,
    );
    assert.ok(!err.message.includes(token));
  });

  it('classifies a malformed request as InvalidInput', async () => {
    await rejectsWith(
      client.write(`sys/mounts/${uniqueName('bad')}`, { type: 'no-such-engine' }, { token: root }),
      'InvalidInput',
      /no-such-engine/,
    );
  });

  it('classifies an unreachable address as Unavailable after a bounded number of attempts', async () => {
    const attempts: number[] = [];
    const sleeps: number[] = [];
    const unreachable = new VaultClient(
      { address: 'http://127.0.0.1:1', retry: { maxRetries: 2, baseMs: 10, capMs: 40 } },
      {
        clock: {
          now: () => new Date(),
          setTimer: () => ({ cancel() {} }),
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
        random: { random: () => 0 },
      },
    );
    attempts.push(1);
    await rejectsWith(unreachable.read('kv/data/x', { token: root }), 'Unavailable', /unreachable \(ECONNREFUSED\)/);
    // Two retries, exponential backoff: 10 ms then 20 ms (jitter pinned to zero).
    assert.deepEqual(sleeps, [10, 20]);
    unreachable.close();
  });

  it('manages the token it is handed: lookup, renew and revoke', async () => {
    const created = await client.write('auth/token/create', { ttl: '1h', policies: ['default'] }, { token: root });
    const token = created.auth?.clientToken as string;
    const info = await client.lookupSelf(token);
    assert.equal(info.accessor, created.auth?.accessor);
    assert.equal(info.renewable, true);
    const renewed = await client.renewSelf(token, 120);
    assert.equal(renewed.leaseDuration, 120);
    await client.revokeSelf(token);
    await rejectsWith(client.lookupSelf(token), 'Forbidden');
  });

  it('renews and revokes leases, surfacing the warning when a max TTL caps a renewal', async () => {
    // A renewable lease needs a dynamic secrets engine: the database engine on the sandbox PostgreSQL.
    const pgEnv = postgresEnv();
    const db = uniqueName('db');
    await client.write(`sys/mounts/${db}`, { type: 'database' }, { token: root });
    await client.write(
      `${db}/config/pg`,
      {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@${pgEnv.host}:${pgEnv.port}/${pgEnv.database}?sslmode=disable`,
        username: pgEnv.user,
        password: pgEnv.password,
        allowed_roles: ['*'],
      },
      { token: root },
    );
    await client.write(
      `${db}/roles/short`,
      {
        db_name: 'pg',
        creation_statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        ],
        revocation_statements: [`DROP ROLE IF EXISTS "{{name}}";`],
        default_ttl: '30s',
        max_ttl: '60s',
      },
      { token: root },
    );
    const creds = await client.read(`${db}/creds/short`, { token: root });
    assert.ok(creds.leaseId.startsWith(`${db}/creds/short/`));
    assert.equal(creds.renewable, true);

    const warnings: string[] = [];
    const watching = new VaultClient({ address: peer.addr }, { onWarning: (w) => warnings.push(w) });
    const renewal = await watching.renewLease(root, creds.leaseId, 3600);
    assert.ok(renewal.leaseDuration > 0 && renewal.leaseDuration <= 60, `capped at 60 s, got ${renewal.leaseDuration}`);
    assert.equal(renewal.leaseId, creds.leaseId);
    assert.ok(renewal.warnings.length > 0, 'a capped renewal carries a warning');
    assert.deepEqual(warnings, renewal.warnings);

    await watching.revokeLease(root, creds.leaseId);
    await rejectsWith(watching.renewLease(root, creds.leaseId, 10), 'InvalidInput', /lease not found/);
    // Revoking again is harmless: revocation is idempotent.
    await watching.revokeLease(root, creds.leaseId);
    watching.close();
  });

  it('reports health', async () => {
    const health = await client.health();
    assert.equal(health.sealed, false);
    assert.equal(health.initialized, true);
    assert.match(health.version, /^\d+\.\d+/);
  });
});

describe('Vault client over TLS and against a sealed Vault', () => {
  let bao: PrivateBao;

  before(async () => {
    bao = await startPrivateBao();
  });

  after(async () => {
    await bao?.stop();
  });

  it('trusts a custom CA and verifies the certificate against tlsServerName', async () => {
    const viaIp = new VaultClient({ address: bao.addr, caCertPem: bao.caPem });
    assert.equal((await viaIp.health()).sealed, false);
    viaIp.close();

    const named = new VaultClient({ address: bao.addr, caCertPem: bao.caPem, tlsServerName: 'localhost' });
    assert.equal((await named.lookupSelf(bao.rootToken)).policies.includes('root'), true);
    named.close();

    const wrongName = new VaultClient({
      address: bao.addr,
      caCertPem: bao.caPem,
      tlsServerName: 'vault.elsewhere.test',
    });
    await rejectsWith(wrongName.health(), 'InvalidInput', /TLS certificate/);
    wrongName.close();
  });

  it('refuses a certificate from an unknown CA unless skipTLSVerify is set', async () => {
    const untrusted = new VaultClient({ address: bao.addr });
    await rejectsWith(untrusted.health(), 'InvalidInput', /check the CA bundle/);
    untrusted.close();

    const skipping = new VaultClient({ address: bao.addr, skipTLSVerify: true });
    assert.equal((await skipping.health()).initialized, true);
    skipping.close();
  });

  it('classifies a sealed Vault as Unavailable and retries it a bounded number of times', async () => {
    const sleeps: number[] = [];
    const client = new VaultClient(
      { address: bao.addr, caCertPem: bao.caPem, retry: { maxRetries: 2, baseMs: 5, capMs: 5 } },
      {
        clock: {
          now: () => new Date(),
          setTimer: () => ({ cancel() {} }),
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
      },
    );
    await client.write('sys/mounts/sealtest', { type: 'kv', options: { version: '2' } }, { token: bao.rootToken });
    await client.write('sealtest/data/app', { data: { a: 1 } }, { token: bao.rootToken });
    await client.write('sys/seal', {}, { token: bao.rootToken });

    assert.equal((await client.health()).sealed, true);
    sleeps.length = 0;
    await rejectsWith(client.read('sealtest/data/app', { token: bao.rootToken }), 'Unavailable', /is sealed/);
    assert.equal(sleeps.length, 2, 'two retries, then the error');
    client.close();
  });
});
