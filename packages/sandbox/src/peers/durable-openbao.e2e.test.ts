import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DurableOpenBao, startDurableOpenBao } from './durable-openbao.ts';

// The durable OpenBao the outage tests stop, seal and restart: data written before a stop is
// there after the start, on the same address, and a sealed server unseals itself on restart.

describe('a durable OpenBao (raft storage, static seal)', () => {
  let dir: string;
  let bao: DurableOpenBao;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-durable-bao-'));
    bao = await startDurableOpenBao({ dir });
    await bao.api.write('sys/mounts/kv', { type: 'kv', options: { version: '1' } });
  });

  after(async () => {
    await bao?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const health = async () => (await fetch(`${bao.addr}/v1/sys/health`)).status;

  it('keeps data across stop and start, on the same address', async () => {
    const addr = bao.addr;
    await bao.api.write('kv/survivor', { value: 'still here' });
    await bao.stop();
    await assert.rejects(fetch(`${addr}/v1/sys/health`), 'nothing listens while stopped');
    await bao.start();
    assert.equal(bao.addr, addr);
    assert.equal(await health(), 200, 'unsealed by the static key');
    assert.equal((await bao.api.read('kv/survivor')).data?.value, 'still here');
  });

  it('sealed stays sealed, and a restart unseals it', async () => {
    await bao.seal();
    assert.equal(await health(), 503);
    assert.equal((await bao.api.request('GET', 'kv/survivor')).status, 503);
    await bao.stop();
    await bao.start();
    assert.equal(await health(), 200);
    assert.equal((await bao.api.read('kv/survivor')).data?.value, 'still here');
  });

  it('never writes the root token to its log', async () => {
    assert.ok(bao.rootToken.length > 0);
    assert.ok(!(await readFile(bao.logFile, 'utf8')).includes(bao.rootToken));
  });
});
