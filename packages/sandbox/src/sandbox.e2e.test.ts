import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox } from './sandbox.ts';
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
