import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StorageEncryptionCipher } from './storage-encryption-cipher.ts';
import type { TokenCipher } from './token-cipher.ts';

/** A cipher of our own interface that tags what it sealed, so a test sees which one was used. */
function tagging(kind: string, prefix: string): TokenCipher & { opened: string[] } {
  const opened: string[] = [];
  return {
    kind,
    opened,
    async encrypt(identity, plaintext) {
      return `${prefix}${identity}|${plaintext}`;
    },
    async decrypt(identity, ciphertext) {
      opened.push(ciphertext);
      const [who, text] = ciphertext.slice(prefix.length).split('|');
      return who === identity ? text : undefined;
    },
  };
}

describe('sealing persisted tokens with VaultAuth storageEncryption', () => {
  test('seals with the local key until a transit cipher is in force, then with transit', async () => {
    const local = tagging('local', 'lockstep:');
    const transit = tagging('transit', 'vault:v1:');
    const cipher = new StorageEncryptionCipher(local);
    assert.match(await cipher.encrypt('id', 'tok'), /^lockstep:/);
    let inForce: TokenCipher | undefined;
    cipher.useTransit(async () => inForce);
    assert.match(await cipher.encrypt('id', 'tok'), /^lockstep:/, 'no VaultAuth sets storageEncryption');
    inForce = transit;
    assert.match(await cipher.encrypt('id', 'tok'), /^vault:v1:/);
  });

  test('opens each ciphertext with the cipher that sealed it, so a switch loses no token', async () => {
    const local = tagging('local', 'lockstep:');
    const transit = tagging('transit', 'vault:v1:');
    const cipher = new StorageEncryptionCipher(local);
    cipher.useTransit(async () => transit);
    assert.equal(await cipher.decrypt('id', 'lockstep:id|old'), 'old');
    assert.equal(await cipher.decrypt('id', 'vault:v1:id|new'), 'new');
    assert.deepEqual(local.opened, ['lockstep:id|old']);
    assert.deepEqual(transit.opened, ['vault:v1:id|new']);
  });

  test('a transit ciphertext with no storageEncryption left is unreadable (log in again), not an error', async () => {
    const cipher = new StorageEncryptionCipher(tagging('local', 'lockstep:'));
    cipher.useTransit(async () => undefined);
    assert.equal(await cipher.decrypt('id', 'vault:v1:id|x'), undefined);
  });

  test('while the configuration cannot be known, saving and loading fail instead of falling back', async () => {
    const cipher = new StorageEncryptionCipher(tagging('local', 'lockstep:'));
    cipher.useTransit(async () => {
      throw new Error('the VaultAuth cache is not synced yet');
    });
    await assert.rejects(cipher.encrypt('id', 'tok'), /not synced/);
    await assert.rejects(cipher.decrypt('id', 'vault:v1:id|x'), /not synced/);
  });
});
