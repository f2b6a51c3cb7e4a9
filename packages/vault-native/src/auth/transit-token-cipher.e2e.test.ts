import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '@lockstep/core';
import { rootClient, uniqueName, writePolicy } from '../client/testing/bao-test-peer.ts';
import { VaultClient } from '../client/vault-client.ts';
import { TransitTokenCipher } from './transit-token-cipher.ts';

describe('TransitTokenCipher against OpenBao', () => {
  const { client, root } = rootClient();
  let key: string;
  /** A token that may only encrypt and decrypt with `key`, as the controller's own role would. */
  let transitOnly: string;

  before(async () => {
    key = uniqueName('tokens');
    await client.write(`transit/keys/${key}`, {}, { token: root });
    const policy = await writePolicy(
      client,
      root,
      `path "transit/encrypt/${key}" { capabilities = ["update"] }\npath "transit/decrypt/${key}" { capabilities = ["update"] }`,
    );
    transitOnly = (await client.write('auth/token/create', { policies: [policy], ttl: '10m' }, { token: root })).auth
      ?.clientToken as string;
  });

  after(() => client.close());

  it('seals with the transit key (vault:v1:) and opens it again, with a transit-only token', async () => {
    const cipher = new TransitTokenCipher({ client, token: transitOnly, key });
    const sealed = await cipher.encrypt('id-a', '{"token":"s.abc"}');
    assert.match(sealed, /^vault:v1:/);
    assert.ok(!sealed.includes('s.abc'));
    assert.equal(await cipher.decrypt('id-a', sealed), '{"token":"s.abc"}');
    assert.equal(cipher.kind, `transit:transit/${key}`);
  });

  it('refuses a ciphertext moved to another identity', async () => {
    const cipher = new TransitTokenCipher({ client, token: transitOnly, key });
    const sealed = await cipher.encrypt('id-a', 'token');
    assert.equal(await cipher.decrypt('id-b', sealed), undefined);
  });

  it('treats tampered ciphertext and foreign formats as unreadable, without throwing', async () => {
    const cipher = new TransitTokenCipher({ client, token: transitOnly, key });
    const sealed = await cipher.encrypt('id', 'token');
    const at = sealed.length - 6;
    const tampered = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    for (const bad of [tampered, 'vault:v1:abcd', 'lockstep:aes-256-gcm:v1:AAAA', '']) {
      assert.equal(await cipher.decrypt('id', bad), undefined, bad);
    }
  });

  it('with a wrong key name: what no key can open reads as absent, and sealing fails with a clear error', async () => {
    const good = new TransitTokenCipher({ client, token: root, key });
    const sealed = await good.encrypt('id', 'token');
    const missing = uniqueName('no-such-key');
    assert.equal(await new TransitTokenCipher({ client, token: root, key: missing }).decrypt('id', sealed), undefined);

    // The transit-only token cannot create a key by upsert: the wrong name is refused, not created.
    const wrong = new TransitTokenCipher({ client, token: transitOnly, key: missing });
    await assert.rejects(
      wrong.encrypt('id', 'token'),
      (err) =>
        err instanceof BackendError &&
        err.errorClass === 'Forbidden' &&
        err.message.includes(`transit/encrypt/${missing}`) &&
        !err.message.includes(transitOnly),
    );
    await assert.rejects(client.read(`transit/keys/${missing}`, { token: root }), { errorClass: 'NotFound' });
  });

  it('surfaces an unreachable OpenBao instead of treating the token as absent', async () => {
    const down = new VaultClient({ address: 'http://127.0.0.1:1', retry: { maxRetries: 0 } });
    const cipher = new TransitTokenCipher({ client: down, token: root, key });
    const sealed = await new TransitTokenCipher({ client, token: root, key }).encrypt('id', 'token');
    await assert.rejects(cipher.decrypt('id', sealed), { errorClass: 'Unavailable' });
    down.close();
  });
});
