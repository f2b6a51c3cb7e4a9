import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox } from './sandbox.ts';
import { EXAMPLE_WEBHOOK_SECRETS } from './seed/webhook.ts';
import { httpsGet } from './testing/https-get.ts';
import { PEER_ENV, requirePeerEnv } from './testing/peers.ts';

const run = promisify(execFile);

describe('the sandbox', () => {
  it('writes an env file that a shell can source to reach the same peers the tests use', async () => {
    const { LOCKSTEP_SANDBOX_DIR: dir } = requirePeerEnv('LOCKSTEP_SANDBOX_DIR');
    const { stdout } = await run('bash', ['-c', `source '${dir}/env' && env -0`], { env: { PATH: '/usr/bin:/bin' } });
    const sourced = Object.fromEntries(
      stdout
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    for (const name of Object.values(PEER_ENV).flat()) assert.equal(sourced[name], process.env[name], name);
    assert.match(await readFile(`${dir}/kubeconfig`, 'utf8'), /certificate-authority-data/);
  });

  it('serves the seeded webhook answer over TLS its CA file verifies, and only with its token', async () => {
    const env = requirePeerEnv('webhook');
    const url = `${env.LOCKSTEP_WEBHOOK_URL}/secrets/app%2Fsmtp`;
    const ca = await readFile(env.LOCKSTEP_WEBHOOK_CA_FILE as string, 'utf8');
    const answer = await httpsGet(url, { ca, headers: { authorization: `Bearer ${env.LOCKSTEP_WEBHOOK_TOKEN}` } });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), EXAMPLE_WEBHOOK_SECRETS['app/smtp']);
    assert.equal((await httpsGet(url, { ca })).status, 401, 'no token, no answer');
    await assert.rejects(httpsGet(url), /self-signed|unable to verify|issuer/i, 'the system roots do not trust it');
  });

  it('stops the webhook server with the sandbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-sandbox-test-'));
    try {
      const sandbox = await startSandbox({ dir, peers: ['webhook'] });
      const env = sandbox.env();
      assert.equal(env.LOCKSTEP_WEBHOOK_CA_FILE, join(dir, 'webhook-ca.crt'));
      const ca = await readFile(join(dir, 'webhook-ca.crt'), 'utf8');
      const secrets = `${env.LOCKSTEP_WEBHOOK_URL}/secrets/app%2Fsmtp`;
      const auth = { authorization: `Bearer ${env.LOCKSTEP_WEBHOOK_TOKEN}` };
      assert.equal((await httpsGet(secrets, { ca, headers: auth })).status, 200);
      assert.match(
        await readFile(join(dir, 'env'), 'utf8'),
        /^export LOCKSTEP_WEBHOOK_URL='https:\/\/127\.0\.0\.1:\d+'$/m,
      );
      await sandbox.stop();
      await assert.rejects(httpsGet(secrets, { ca, headers: auth }), /ECONNREFUSED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects naming the peer that could not start, and stops the peers that did', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-sandbox-test-'));
    try {
      await assert.rejects(
        startSandbox({ dir, peers: ['moto', 'openbao'], binaries: { bao: '/nonexistent/bao' } }),
        /OpenBao could not start/,
      );
      const motoLog = await readFile(join(dir, 'moto.log'), 'utf8');
      const endpoint = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(motoLog)?.[1];
      assert.ok(endpoint, 'moto had started');
      await assert.rejects(fetch(`${endpoint}/moto-api/`), 'moto is still running');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
