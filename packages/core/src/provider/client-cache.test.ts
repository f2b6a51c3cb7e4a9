import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientCache } from './client-cache.ts';
import type { SecretsClient } from './provider.ts';

function fakeClient(closed: string[], name: string): SecretsClient {
  return {
    getSecret: async () => Buffer.from(''),
    getSecretMap: async () => ({}),
    getAllSecrets: async () => ({}),
    validate: async () => ({ ok: true }),
    close: async () => {
      closed.push(name);
    },
  };
}

describe('provider client cache', () => {
  test('stores with the same configuration share one client, created once', async () => {
    const cache = new ClientCache();
    let created = 0;
    const make = async () => {
      created++;
      return fakeClient([], 'c');
    };
    const [a, b] = await Promise.all([
      cache.get('SecretStore/a/s', 'k1', make),
      cache.get('SecretStore/b/s', 'k1', make),
    ]);
    assert.equal(a, b);
    assert.equal(created, 1);
  });

  test('a changed store spec gets a new client and the unused old one is closed', async () => {
    const cache = new ClientCache();
    const closed: string[] = [];
    await cache.get('s', 'k1', async () => fakeClient(closed, 'old'));
    await cache.get('s', 'k2', async () => fakeClient(closed, 'new'));
    assert.deepEqual(closed, ['old']);
    assert.equal(cache.size(), 1);
  });

  test('a failed client creation is not cached', async () => {
    const cache = new ClientCache();
    await assert.rejects(cache.get('s', 'k', async () => Promise.reject(new Error('login refused'))));
    const client = await cache.get('s', 'k', async () => fakeClient([], 'ok'));
    assert.ok(client);
  });

  test('releasing the last store that uses a client closes it', async () => {
    const cache = new ClientCache();
    const closed: string[] = [];
    await cache.get('a', 'k', async () => fakeClient(closed, 'shared'));
    await cache.get('b', 'k', async () => fakeClient(closed, 'unused'));
    await cache.release('a');
    assert.deepEqual(closed, []);
    await cache.release('b');
    assert.deepEqual(closed, ['shared']);
  });
});
