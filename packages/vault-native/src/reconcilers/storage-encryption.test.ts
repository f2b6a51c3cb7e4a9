import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VaultAuth } from '../api/vault-auth.ts';
import { storageEncryptionProblem } from './storage-encryption.ts';

function auth(namespace: string, name: string, withEncryption: boolean): VaultAuth {
  return {
    metadata: { namespace, name },
    spec: {
      method: 'kubernetes',
      kubernetes: { role: 'lockstep', serviceAccount: 'lockstep', tokenExpirationSeconds: 600 },
      ...(withEncryption ? { storageEncryption: { mount: 'transit', keyName: 'lockstep-tokens' } } : {}),
    },
  } as VaultAuth;
}

describe('VaultAuth storageEncryption is honoured or refused, never ignored', () => {
  test('honoured on the one VaultAuth of the controller namespace that sets it', () => {
    const own = auth('lockstep', 'tokens', true);
    assert.equal(storageEncryptionProblem(own, 'lockstep', [own, auth('lockstep', 'other', false)]), undefined);
    assert.equal(storageEncryptionProblem(auth('team', 'x', false), 'lockstep', []), undefined);
  });

  test('refused in a tenant namespace: it would decide how the controller seals its own tokens', () => {
    const problem = storageEncryptionProblem(auth('team', 'x', true), 'lockstep', []);
    assert.equal(problem?.reason, 'StorageEncryptionNotAllowed');
    assert.match(
      problem?.message ?? '',
      /only a VaultAuth in the controller namespace "lockstep" may set it: remove it/,
    );
  });

  test('refused on every VaultAuth while two of the controller namespace set it', () => {
    const a = auth('lockstep', 'a', true);
    const b = auth('lockstep', 'b', true);
    for (const [self, other] of [
      [a, 'b'],
      [b, 'a'],
    ] as const) {
      const problem = storageEncryptionProblem(self, 'lockstep', [a, b]);
      assert.equal(problem?.reason, 'StorageEncryptionAmbiguous');
      assert.match(problem?.message ?? '', new RegExp(`VaultAuth "${other}" .* also sets spec.storageEncryption`));
    }
  });
});
