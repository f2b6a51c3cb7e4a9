import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExternalSecret } from '../api/external-secret.ts';
import { MapCache } from './testing/fakes.ts';
import { upcomingReadsFor } from './upcoming-reads.ts';

function es(namespace: string, name: string, spec: Record<string, unknown>): ExternalSecret {
  return { metadata: { namespace, name }, spec } as ExternalSecret;
}

/** Client keys as the resolver gives them: the aws store's client is per namespace, like a store whose credentials are read there. */
const clientKeyOf = (namespace: string, ref: { name: string; kind?: string }) =>
  ref.name === 'missing' ? undefined : `${ref.kind ?? 'SecretStore'}/${ref.name}@${namespace}`;

function refsOf(queued: string[], cache: MapCache<ExternalSecret>, clientKey: string, scanLimit?: number) {
  const view = upcomingReadsFor(
    { queued: () => queued, externalSecrets: cache, clientKeyOf, ...(scanLimit ? { scanLimit } : {}) },
    clientKey,
  );
  return [...view.refs()].map((r) => r.key);
}

test('a client sees the remote keys of queued ExternalSecrets that read through it, in queue order', () => {
  const cache = new MapCache<ExternalSecret>();
  const aws = { name: 'aws', kind: 'ClusterSecretStore' };
  cache.set(es('a', 'one', { secretStoreRef: aws, data: [{ secretKey: 'k', remoteRef: { key: 'one' } }] }));
  cache.set(es('a', 'two', { secretStoreRef: aws, dataFrom: [{ extract: { key: 'two' } }, { find: { path: 'x' } }] }));
  cache.set(
    es('b', 'other-tenant', { secretStoreRef: aws, data: [{ secretKey: 'k', remoteRef: { key: 'b-secret' } }] }),
  );
  cache.set(
    es('a', 'vault', { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'k', remoteRef: { key: 'v' } }] }),
  );
  cache.set(
    es('a', 'mixed', {
      secretStoreRef: { name: 'vault' },
      data: [
        { secretKey: 'k', remoteRef: { key: 'via-aws' }, sourceRef: { storeRef: aws } },
        {
          secretKey: 'p',
          remoteRef: { key: 'password' },
          sourceRef: { generatorRef: { kind: 'Password', name: 'p' } },
        },
      ],
    }),
  );
  const queued = ['a/two', 'b/other-tenant', 'a/vault', 'a/gone', 'a/mixed', 'a/one'];
  assert.deepEqual(refsOf(queued, cache, 'ClusterSecretStore/aws@a'), ['two', 'via-aws', 'one']);
  assert.deepEqual(refsOf(queued, cache, 'ClusterSecretStore/aws@b'), ['b-secret']);
});

test('a store the ExternalSecret cannot use yields nothing, and one peek looks at most scanLimit queued keys', () => {
  const cache = new MapCache<ExternalSecret>();
  for (let i = 0; i < 5; i++) {
    cache.set(
      es('a', `e${i}`, { secretStoreRef: { name: 's' }, data: [{ secretKey: 'k', remoteRef: { key: `k${i}` } }] }),
    );
  }
  cache.set(
    es('a', 'bad', { secretStoreRef: { name: 'missing' }, data: [{ secretKey: 'k', remoteRef: { key: 'x' } }] }),
  );
  const queued = ['a/bad', 'a/e0', 'a/e1', 'a/e2', 'a/e3', 'a/e4'];
  assert.deepEqual(refsOf(queued, cache, 'SecretStore/s@a'), ['k0', 'k1', 'k2', 'k3', 'k4']);
  assert.deepEqual(refsOf(queued, cache, 'SecretStore/s@a', 3), ['k0', 'k1']);
});
