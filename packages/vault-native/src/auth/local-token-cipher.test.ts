import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { BackendError, clientSecretApi, type SecretApi } from '@lockstep/core';
import { startApiServer } from '@lockstep/sandbox';
import { uniqueName } from '../client/testing/bao-test-peer.ts';
import { LocalTokenCipher, TOKEN_KEY_SECRET } from './local-token-cipher.ts';

describe('LocalTokenCipher', () => {
  const cipher = new LocalTokenCipher(randomBytes(32));

  it('opens what it sealed, for the same identity only', async () => {
    const sealed = await cipher.encrypt('id-a', 'hvs.secret-token');
    assert.ok(!sealed.includes('hvs.secret-token'));
    assert.equal(await cipher.decrypt('id-a', sealed), 'hvs.secret-token');
    assert.equal(await cipher.decrypt('id-b', sealed), undefined);
  });

  it('uses a fresh nonce each time: the same token never seals to the same text', async () => {
    const a = await cipher.encrypt('id', 'same');
    const b = await cipher.encrypt('id', 'same');
    assert.notEqual(a, b);
  });

  it('answers undefined, never throws, for tampered, truncated, foreign or garbage values', async () => {
    const sealed = await cipher.encrypt('id', 'token');
    const body = sealed.slice(sealed.lastIndexOf(':') + 1);
    const raw = Buffer.from(body, 'base64');
    raw[raw.length - 20] = (raw[raw.length - 20] ?? 0) ^ 1;
    const tampered = sealed.slice(0, sealed.length - body.length) + raw.toString('base64');
    for (const bad of [tampered, sealed.slice(0, 30), 'vault:v1:abcd', '', 'not base64 at all ###']) {
      assert.equal(await cipher.decrypt('id', bad), undefined, bad);
    }
    assert.equal(await new LocalTokenCipher(randomBytes(32)).decrypt('id', sealed), undefined, 'another key');
  });

  it('refuses a key that is not 32 bytes', () => {
    assert.throws(() => new LocalTokenCipher(randomBytes(16)), /32 bytes/);
  });
});

describe('LocalTokenCipher.loadOrCreate against the embedded API server', () => {
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let core: CoreV1Api;
  let api: SecretApi;

  before(async () => {
    server = await startApiServer({ port: 0 });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    api = clientSecretApi(kc);
  });

  after(async () => {
    await server?.stop();
  });

  async function namespace(): Promise<string> {
    const name = uniqueName('lockstep-system');
    await core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  it('creates the key once; replicas starting together all use the same key', async () => {
    const ns = await namespace();
    const replicas = await Promise.all([1, 2, 3, 4].map(() => LocalTokenCipher.loadOrCreate(api, ns)));
    const [first, ...others] = replicas as [LocalTokenCipher, ...LocalTokenCipher[]];
    const sealed = await first.encrypt('id', 'token');
    for (const other of others) assert.equal(await other.decrypt('id', sealed), 'token');
    const secret = await core.readNamespacedSecret({ namespace: ns, name: TOKEN_KEY_SECRET });
    assert.equal(Buffer.from(secret.data?.key ?? '', 'base64').length, 32);
    assert.equal(secret.metadata?.labels?.['app.kubernetes.io/part-of'], 'lockstep');
    assert.equal(secret.metadata?.labels?.['lockstep.dev/managed'], undefined);
  });

  it('refuses a key Secret with a wrong-sized key, saying how to fix it', async () => {
    const ns = await namespace();
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: TOKEN_KEY_SECRET }, data: { key: randomBytes(8).toString('base64') } },
    });
    await assert.rejects(
      LocalTokenCipher.loadOrCreate(api, ns),
      (err) => err instanceof BackendError && err.errorClass === 'InvalidInput' && /delete it/.test(err.message),
    );
  });
});
