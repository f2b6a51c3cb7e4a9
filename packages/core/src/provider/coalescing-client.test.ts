import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError } from '../errors/backend-error.ts';
import { CoalescingClient } from './coalescing-client.ts';
import type { RemoteRef, SecretsClient } from './provider.ts';

function countingClient(fail = false) {
  const calls: string[] = [];
  const client: SecretsClient = {
    async getSecret(ref: RemoteRef) {
      calls.push(`get ${ref.key}`);
      await new Promise((r) => setImmediate(r));
      if (fail) throw new BackendError('Unavailable', 'fake', 'down');
      return Buffer.from(`value of ${ref.key}`);
    },
    async getSecretMap(ref) {
      calls.push(`map ${ref.key}`);
      return { a: Buffer.from('1') };
    },
    async getAllSecrets() {
      calls.push('find');
      return {};
    },
    async validate() {
      return { ok: true };
    },
    async close() {},
  };
  return { client, calls };
}

function clockAt(ms: number) {
  const clock = { t: ms, now: () => new Date(clock.t) };
  return clock;
}

describe('coalescing provider reads', () => {
  test('50 concurrent reads of 5 keys make 5 provider calls', async () => {
    const { client, calls } = countingClient();
    const c = new CoalescingClient(client, { windowMs: 1000, clock: clockAt(0) });
    const reads = Array.from({ length: 50 }, (_, i) => c.getSecret({ key: `k${i % 5}` }));
    const values = await Promise.all(reads);
    assert.equal(calls.length, 5);
    assert.equal(Buffer.from(values[7]!).toString(), 'value of k2');
  });

  test('a settled answer is reused within the window and read again after it', async () => {
    const { client, calls } = countingClient();
    const clock = clockAt(0);
    const c = new CoalescingClient(client, { windowMs: 1000, clock });
    await c.getSecret({ key: 'a', property: 'p' });
    clock.t = 999;
    await c.getSecret({ property: 'p', key: 'a' });
    assert.equal(calls.length, 1);
    clock.t = 2000;
    await c.getSecret({ key: 'a', property: 'p' });
    assert.equal(calls.length, 2);
  });

  test('different refs and different operations are not merged', async () => {
    const { client, calls } = countingClient();
    const c = new CoalescingClient(client, { windowMs: 1000, clock: clockAt(0) });
    await Promise.all([
      c.getSecret({ key: 'a' }),
      c.getSecret({ key: 'a', version: '2' }),
      c.getSecretMap({ key: 'a' }),
    ]);
    assert.equal(calls.length, 3);
  });

  test('a failure is shared by concurrent callers but never cached', async () => {
    const { client, calls } = countingClient(true);
    const c = new CoalescingClient(client, { windowMs: 1000, clock: clockAt(0) });
    const results = await Promise.allSettled([c.getSecret({ key: 'a' }), c.getSecret({ key: 'a' })]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(calls.length, 1);
    await assert.rejects(c.getSecret({ key: 'a' }));
    assert.equal(calls.length, 2);
  });
});
