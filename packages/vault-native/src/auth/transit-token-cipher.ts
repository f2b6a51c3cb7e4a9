// OpenBao/Vault transit as the token cipher: the key never leaves Vault; every seal and open is
// a `transit/encrypt|decrypt/<key>` call made with the controller's OWN token (a transit-only
// policy, `update` on exactly those two paths, so it cannot create keys by upsert). Derived keys
// (`context`) would need a key created with `derived=true`; instead the identity travels inside
// the plaintext and is checked on decrypt, which gives the same "cannot be moved to another
// identity" property as AES-GCM's additional data with any transit key.

import { BackendError } from '@lockstep/core';
import type { VaultClient } from '../client/vault-client.ts';
import type { TokenLike } from '../client/vault-types.ts';
import type { TokenCipher } from './token-cipher.ts';

/** Whether `ciphertext` is transit's (`vault:v<n>:…`), as opposed to another cipher's. */
export function isTransitCiphertext(ciphertext: string): boolean {
  return ciphertext.startsWith('vault:');
}

export interface TransitTokenCipherOptions {
  client: VaultClient;
  /** The controller's own token (a string or a handle from a TokenManager with an in-memory store). */
  token: TokenLike;
  /** Name of the transit key; it must exist (`bao write -f transit/keys/<key>`). */
  key: string;
  /** Transit mount path; default `transit`. */
  mount?: string;
  /** Vault namespace of the mount; default: the connection's. */
  namespace?: string;
}

export class TransitTokenCipher implements TokenCipher {
  readonly kind: string;
  readonly #opts: TransitTokenCipherOptions;
  readonly #mount: string;

  constructor(opts: TransitTokenCipherOptions) {
    this.#opts = opts;
    this.#mount = (opts.mount ?? 'transit').replace(/^\/+|\/+$/g, '');
    this.kind = `transit:${this.#mount}/${opts.key}`;
  }

  async encrypt(identity: string, plaintext: string): Promise<string> {
    const sealed = Buffer.from(JSON.stringify([identity, plaintext]), 'utf8').toString('base64');
    const res = await this.#opts.client.write<{ ciphertext?: unknown }>(
      `${this.#mount}/encrypt/${this.#opts.key}`,
      { plaintext: sealed },
      // Neither call has a side effect (no upsert: the policy grants no `create`): safe to resend.
      { ...this.#requestOpts(), idempotent: true },
    );
    const ciphertext = res.data?.ciphertext;
    if (typeof ciphertext !== 'string' || !isTransitCiphertext(ciphertext)) {
      throw new BackendError(
        'Unavailable',
        'vault',
        `POST ${this.#mount}/encrypt/${this.#opts.key}: the answer carried no ciphertext`,
      );
    }
    return ciphertext;
  }

  async decrypt(identity: string, ciphertext: string): Promise<string | undefined> {
    if (!isTransitCiphertext(ciphertext)) return undefined;
    let plaintext: unknown;
    try {
      const res = await this.#opts.client.write<{ plaintext?: unknown }>(
        `${this.#mount}/decrypt/${this.#opts.key}`,
        { ciphertext },
        { ...this.#requestOpts(), idempotent: true },
      );
      plaintext = res.data?.plaintext;
    } catch (err) {
      // 400: tampered or truncated ciphertext, a key version below min_decryption_version, a key
      // that no longer exists. Anything else (down, sealed, denied, no such mount) is surfaced.
      if (err instanceof BackendError && err.errorClass === 'InvalidInput') return undefined;
      throw err;
    }
    if (typeof plaintext !== 'string') return undefined;
    try {
      const opened: unknown = JSON.parse(Buffer.from(plaintext, 'base64').toString('utf8'));
      if (!Array.isArray(opened) || opened.length !== 2 || opened[0] !== identity || typeof opened[1] !== 'string') {
        return undefined;
      }
      return opened[1];
    } catch {
      return undefined;
    }
  }

  #requestOpts(): { token: TokenLike; namespace?: string } {
    return {
      token: this.#opts.token,
      ...(this.#opts.namespace !== undefined ? { namespace: this.#opts.namespace } : {}),
    };
  }
}
