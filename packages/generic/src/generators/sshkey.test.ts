import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { generateSshKey, sshKeyGenerator, validateSshKeySpec } from './sshkey.ts';

/** OpenSSH's own reading of the private key: the public key ssh-keygen derives from it. */
function publicKeyByOpenSsh(privateKey: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sshkey-test-'));
  try {
    const file = join(dir, 'id');
    writeFileSync(file, privateKey, { mode: 0o600 });
    return execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SSHKey generator', () => {
  for (const [keyType, prefix, keySize] of [
    ['ed25519', 'ssh-ed25519', undefined],
    ['rsa', 'ssh-rsa', 3072],
    ['ecdsa', 'ecdsa-sha2-nistp384', 384],
  ] as const) {
    test(`${keyType}: an OpenSSH private key whose public half is the publicKey line, with the comment`, async () => {
      const { privateKey, publicKey } = await generateSshKey({ keyType, keySize, comment: 'deploy@ci' });
      assert.match(privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
      assert.match(publicKey, new RegExp(`^${prefix} [A-Za-z0-9+/=]+ deploy@ci\\n$`));
      assert.equal(
        publicKeyByOpenSsh(privateKey).split(' ').slice(0, 2).join(' '),
        publicKey.split(' ').slice(0, 2).join(' '),
      );
    });
  }

  test('rsa is the default type, 2048 bits, and without a comment the line has two fields', async () => {
    const { publicKey } = await generateSshKey({});
    assert.match(publicKey, /^ssh-rsa [A-Za-z0-9+/=]+\n$/);
    // 2048-bit modulus: the wire blob of an RSA key with e=65537 is 279 bytes.
    assert.equal(Buffer.from(publicKey.split(' ')[1] ?? '', 'base64').length, 279);
  });

  test('outputs privateKey and publicKey, and two generations differ', async () => {
    const a = await sshKeyGenerator.generate({ keyType: 'ed25519' }, { namespace: 'x', kube: undefined as never });
    const b = await sshKeyGenerator.generate({ keyType: 'ed25519' }, { namespace: 'x', kube: undefined as never });
    assert.deepEqual(Object.keys(a.data).sort(), ['privateKey', 'publicKey']);
    assert.notDeepEqual(a.data.publicKey, b.data.publicKey);
  });

  test('sizes that make no key of the type say what to use', () => {
    assert.match(validateSshKeySpec({ keyType: 'rsa', keySize: 1024 }).join(), /use 2048, 3072 or 4096/);
    assert.match(validateSshKeySpec({ keyType: 'ecdsa', keySize: 300 }).join(), /use 256, 384 or 521/);
    assert.deepEqual(validateSshKeySpec({ keyType: 'ed25519', keySize: 4096 }), [], 'ignored for ed25519, as ESO');
    assert.match(validateSshKeySpec({ comment: 'a\nb' }).join(), /one line/);
  });
});
