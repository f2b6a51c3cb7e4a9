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
});
