import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError, type SecretMap, type SecretsClient } from '@lockstep/core';
import { type DataSources, DataSpecError, resolveData } from './resolve-data.ts';

const store: Record<string, string> = {
  'app/db': JSON.stringify({ user: 'app', password: 'pw-1' }),
  'app/api': 'token-1',
  'app/encoded': Buffer.from('decoded!').toString('base64'),
};

const client: SecretsClient = {
  async getSecret(ref) {
    const raw = store[ref.key];
    if (raw === undefined) throw new BackendError('NotFound', 'fake', `secret ${ref.key} not found`);
    if (!ref.property) return Buffer.from(raw);
    const value = (JSON.parse(raw) as Record<string, string>)[ref.property];
    if (value === undefined) throw new BackendError('InvalidInput', 'fake', `no property ${ref.property}`);
    return Buffer.from(value);
  },
  async getSecretMap(ref) {
    const raw = store[ref.key];
    if (raw === undefined) throw new BackendError('NotFound', 'fake', 'missing');
    return Object.fromEntries(
      Object.entries(JSON.parse(raw) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v)]),
    );
  },
  async getAllSecrets(find) {
    const re = new RegExp(find.name?.regexp ?? '.*');
    const out: SecretMap = {};
    for (const [k, v] of Object.entries(store)) if (re.test(k)) out[k] = Buffer.from(v);
    return out;
  },
  validate: async () => ({ ok: true }),
  close: async () => {},
};

const sources: DataSources = {
  client: async () => client,
  generate: async () => ({ password: Buffer.from('generated') }),
};
const renderKey = (_t: string, key: string) => key.toUpperCase();
const asText = (m: SecretMap) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v).toString()]));

describe('ExternalSecret data resolution', () => {
  test('data[] reads one value per key, with property and decoding', async () => {
    const { data, missing } = await resolveData(
      {
        data: [
          { secretKey: 'password', remoteRef: { key: 'app/db', property: 'password' } },
          { secretKey: 'plain', remoteRef: { key: 'app/encoded', decodingStrategy: 'Base64' } },
        ],
      },
      sources,
      renderKey,
    );
    assert.deepEqual(asText(data), { password: 'pw-1', plain: 'decoded!' });
    assert.deepEqual(missing, []);
  });

  test('dataFrom.extract spreads a JSON secret; data[] wins over dataFrom', async () => {
    const { data } = await resolveData(
      {
        dataFrom: [{ extract: { key: 'app/db' } }],
        data: [{ secretKey: 'user', remoteRef: { key: 'app/api' } }],
      },
      sources,
      renderKey,
    );
    assert.deepEqual(asText(data), { user: 'token-1', password: 'pw-1' });
  });

  test('dataFrom.find converts path separators after rewrites', async () => {
    const { data } = await resolveData(
      {
        dataFrom: [
          { find: { name: { regexp: '^app/(db|api)$' } }, rewrite: [{ regexp: { source: '^app/', target: 'x/' } }] },
        ],
      },
      sources,
      renderKey,
    );
    assert.deepEqual(Object.keys(data).sort(), ['x_api', 'x_db']);
  });

  test('a missing remote key is reported, not thrown', async () => {
    const { data, missing } = await resolveData(
      {
        data: [
          { secretKey: 'a', remoteRef: { key: 'nope' } },
          { secretKey: 'b', remoteRef: { key: 'app/api' } },
        ],
      },
      sources,
      renderKey,
    );
    assert.deepEqual(missing, ['nope']);
    assert.deepEqual(Object.keys(data), ['b']);
  });

  test('a missing property is an error the user must fix', async () => {
    await assert.rejects(
      resolveData({ data: [{ secretKey: 'a', remoteRef: { key: 'app/db', property: 'nope' } }] }, sources, renderKey),
      (err: Error) => err instanceof BackendError && err.errorClass === 'InvalidInput',
    );
  });

  test('a key that is not a valid Secret key is refused with a hint', async () => {
    await assert.rejects(
      resolveData({ data: [{ secretKey: 'a/b', remoteRef: { key: 'app/api' } }] }, sources, renderKey),
      (err: Error) => err instanceof DataSpecError && /rewrite/.test(err.message),
    );
  });

  test('generators feed dataFrom', async () => {
    const { data } = await resolveData(
      { dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'pw' } } }] },
      sources,
      renderKey,
    );
    assert.deepEqual(asText(data), { password: 'generated' });
  });

  test('a store that cannot be read fails data and dataFrom together, with no read left unwatched', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // What an ExternalSecret applied in the same request as its store sees: every read rejects.
      const missingStore: DataSources = {
        client: async () => {
          throw new Error('SecretStore "vault" not found in namespace "team": create it or fix secretStoreRef');
        },
        generate: async () => ({}),
      };
      await assert.rejects(
        resolveData(
          {
            data: [
              { secretKey: 'a', remoteRef: { key: 'app/db' } },
              { secretKey: 'b', remoteRef: { key: 'app/api' } },
            ],
            dataFrom: [{ extract: { key: 'app/db' } }, { find: { name: { regexp: '^app/' } } }],
          },
          missingStore,
          renderKey,
        ),
        /SecretStore "vault" not found/,
      );
      // Node reports an unhandled rejection once the microtask queue is empty: after one turn.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('answers only once every read settled, even after one of them failed', async () => {
    let releaseSlowRead!: () => void;
    const slowRead = new Promise<void>((resolve) => {
      releaseSlowRead = resolve;
    });
    let slowReadDone = false;
    const mixed: DataSources = {
      client: async () => ({
        ...client,
        getSecretMap: async () => {
          throw new BackendError('Unavailable', 'fake', 'store is down');
        },
        getSecret: async (ref) => {
          await slowRead;
          slowReadDone = true;
          return client.getSecret(ref);
        },
      }),
      generate: async () => ({}),
    };
    let settled = false;
    const resolving = resolveData(
      { data: [{ secretKey: 'a', remoteRef: { key: 'app/api' } }], dataFrom: [{ extract: { key: 'app/db' } }] },
      mixed,
      renderKey,
    ).finally(() => {
      settled = true;
    });
    resolving.catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the failed dataFrom read does not end resolveData while a data read runs');
    releaseSlowRead();
    await assert.rejects(resolving, /store is down/);
    assert.equal(slowReadDone, true);
  });
});
