// AES-256-GCM with a random key kept in its own Secret of the controller's namespace, created
// once and read by every replica. A random 12-byte nonce per encryption; the identity is the
// additional authenticated data, so a ciphertext copied under another identity's key fails
// authentication instead of handing one identity another's token.

import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { BackendError, type SecretApi } from '@lockstep/core';
import type { TokenCipher } from './token-cipher.ts';

export const TOKEN_KEY_SECRET = 'lockstep-token-key';
const KEY_FIELD = 'key';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Versioned so a later format (or key id) can be told apart from this one. */
const PREFIX = 'lockstep:aes-256-gcm:v1:';

export class LocalTokenCipher implements TokenCipher {
  readonly kind = 'local-aes-256-gcm';
  readonly #key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) {
      throw new BackendError(
        'InvalidInput',
        'kubernetes',
        `the token key must be ${KEY_BYTES} bytes, got ${key.length}`,
      );
    }
    this.#key = createSecretKey(key);
  }

  /**
   * The key from Secret `lockstep-token-key` in `namespace`, created when missing. Replicas
   * racing to create it all end up with the winner's key (409 -> read it).
   */
  static async loadOrCreate(api: SecretApi, namespace: string, name = TOKEN_KEY_SECRET): Promise<LocalTokenCipher> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await api.get(namespace, name);
      if (existing) {
        const stored = existing.data?.[KEY_FIELD];
        const key = stored ? Buffer.from(stored, 'base64') : Buffer.alloc(0);
        if (key.length !== KEY_BYTES) {
          throw new BackendError(
            'InvalidInput',
            'kubernetes',
            `Secret "${name}" in "${namespace}" holds no ${KEY_BYTES}-byte "${KEY_FIELD}": delete it and the controller ` +
              'creates a new key (tokens stored under the old key are then replaced by new logins)',
          );
        }
        return new LocalTokenCipher(key);
      }
      const key = randomBytes(KEY_BYTES);
      try {
        await api.create(namespace, {
          metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'lockstep' } },
          type: 'Opaque',
          data: { [KEY_FIELD]: key.toString('base64') },
        });
        return new LocalTokenCipher(key);
      } catch (err) {
        // Another replica created it first: read theirs.
        if (!(err instanceof BackendError && err.errorClass === 'Conflict')) throw err;
      }
    }
    throw new BackendError('Conflict', 'kubernetes', `could not create or read Secret "${name}" in "${namespace}"`);
  }

  async encrypt(identity: string, plaintext: string): Promise<string> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(identity, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64');
  }

  async decrypt(identity: string, ciphertext: string): Promise<string | undefined> {
    if (!ciphertext.startsWith(PREFIX)) return undefined;
    const raw = Buffer.from(ciphertext.slice(PREFIX.length), 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(identity, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const opened = Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return opened.toString('utf8');
    } catch {
      // Authentication failed: tampered, another identity's, or another key's.
      return undefined;
    }
  }
}
