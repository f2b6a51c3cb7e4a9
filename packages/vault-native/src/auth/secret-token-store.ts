// The TokenStore that survives restarts (SPEC §2 point 5): one Secret per controller in its own
// namespace, one data key per identity (a hash: identities hold namespaces, roles and slashes,
// which are not valid Secret keys and need not be readable there), each value the sealed JSON of
// a StoredToken. Replicas share the Secret; writes use resourceVersion and retry on 409.
//
// The Secret is labelled part-of=lockstep but NOT lockstep.dev/managed: the managed-Secret
// informers must never see (or "repair") it.

import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { BackendError, type SecretApi } from '@lockstep/core';
import type { TokenCipher } from './token-cipher.ts';
import type { StoredToken, TokenStore, UnreadableReason } from './token-store.ts';

export const TOKEN_STORE_SECRET = 'lockstep-vault-tokens';
const MAX_ATTEMPTS = 10;

export interface SecretTokenStoreOptions {
  api: SecretApi;
  /** The controller's own namespace. */
  namespace: string;
  cipher: TokenCipher;
  /** Default `lockstep-vault-tokens`. */
  name?: string;
  /**
   * A stored value could not be read (tampered, another identity's, key gone): it is treated
   * as absent and the identity logs in again. Carries no token material.
   */
  onUnreadable?: (identity: string, reason: UnreadableReason) => void;
}

/** The Secret data key of an identity: `t-` + SHA-256 hex, always a valid key. */
export function tokenStoreKey(identity: string): string {
  return `t-${createHash('sha256').update(identity, 'utf8').digest('hex')}`;
}

export class SecretTokenStore implements TokenStore {
  readonly #api: SecretApi;
  readonly #namespace: string;
  readonly #name: string;
  readonly #cipher: TokenCipher;
  readonly #onUnreadable: SecretTokenStoreOptions['onUnreadable'];
  /** What this instance last read or wrote per identity, so an unchanged save writes nothing. */
  readonly #known = new Map<string, { json: string; ciphertext: string }>();
  /** Identities whose last load found a value it could not open. */
  readonly #unreadable = new Map<string, UnreadableReason>();

  constructor(opts: SecretTokenStoreOptions) {
    this.#api = opts.api;
    this.#namespace = opts.namespace;
    this.#name = opts.name ?? TOKEN_STORE_SECRET;
    this.#cipher = opts.cipher;
    this.#onUnreadable = opts.onUnreadable;
  }

  async load(identity: string): Promise<StoredToken | undefined> {
    this.#unreadable.delete(identity);
    const secret = await this.#api.get(this.#namespace, this.#name);
    const ciphertext = sealedValue(secret, tokenStoreKey(identity));
    if (ciphertext === undefined) return undefined;
    const json = await this.#cipher.decrypt(identity, ciphertext);
    if (json === undefined) {
      this.#unreadable.set(identity, 'undecryptable');
      this.#onUnreadable?.(identity, 'undecryptable');
      return undefined;
    }
    const token = parseStoredToken(json);
    if (!token) {
      this.#unreadable.set(identity, 'malformed');
      this.#onUnreadable?.(identity, 'malformed');
      return undefined;
    }
    this.#known.set(identity, { json: serialize(token), ciphertext });
    return token;
  }

  unreadable(identity: string): UnreadableReason | undefined {
    return this.#unreadable.get(identity);
  }

  async save(identity: string, token: StoredToken): Promise<void> {
    const key = tokenStoreKey(identity);
    const json = serialize(token);
    let ciphertext: string | undefined;
    await this.#update(async (secret) => {
      const known = this.#known.get(identity);
      if (known && known.json === json && sealedValue(secret, key) === known.ciphertext) return undefined;
      // Sealed once, reused across conflict retries (transit costs a round trip).
      ciphertext ??= await this.#cipher.encrypt(identity, json);
      return { ...secret?.data, [key]: Buffer.from(ciphertext, 'utf8').toString('base64') };
    });
    if (ciphertext !== undefined) this.#known.set(identity, { json, ciphertext });
  }

  async delete(identity: string): Promise<void> {
    const key = tokenStoreKey(identity);
    this.#known.delete(identity);
    await this.#update(async (secret) => {
      if (!secret?.data || !(key in secret.data)) return undefined;
      const { [key]: _gone, ...rest } = secret.data;
      return rest;
    });
  }

  /**
   * Read-modify-write of the Secret's data. `change` answers the new data, or undefined for
   * "nothing to write"; it runs again on the fresh Secret after a 409.
   */
  async #update(change: (secret: V1Secret | undefined) => Promise<Record<string, string> | undefined>): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const secret = await this.#api.get(this.#namespace, this.#name);
      const data = await change(secret);
      if (data === undefined) return;
      try {
        if (!secret) {
          await this.#api.create(this.#namespace, {
            metadata: {
              name: this.#name,
              namespace: this.#namespace,
              labels: { 'app.kubernetes.io/part-of': 'lockstep', 'app.kubernetes.io/component': 'vault-token-store' },
            },
            type: 'Opaque',
            data,
          });
        } else {
          // resourceVersion from the read makes the replace conditional: another replica's write -> 409.
          await this.#api.replace(this.#namespace, this.#name, { ...secret, data });
        }
        return;
      } catch (err) {
        if (!(err instanceof BackendError && err.errorClass === 'Conflict')) throw err;
      }
    }
    throw new BackendError(
      'Conflict',
      'kubernetes',
      `Secret "${this.#name}" in "${this.#namespace}" kept changing: gave up after ${MAX_ATTEMPTS} conflicting writes`,
    );
  }
}

function sealedValue(secret: V1Secret | undefined, key: string): string | undefined {
  const raw = secret?.data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8');
}

/** Fixed field order, so equal tokens give equal strings. */
function serialize(t: StoredToken): string {
  return JSON.stringify({
    token: t.token,
    accessor: t.accessor,
    expiresAtMs: t.expiresAtMs ?? null,
    renewable: t.renewable,
    requestedTtlSeconds: t.requestedTtlSeconds,
  });
}

function parseStoredToken(json: string): StoredToken | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const expires = o.expiresAtMs;
  if (
    typeof o.token !== 'string' ||
    o.token === '' ||
    typeof o.accessor !== 'string' ||
    (expires !== null && (typeof expires !== 'number' || !Number.isFinite(expires))) ||
    typeof o.renewable !== 'boolean' ||
    typeof o.requestedTtlSeconds !== 'number'
  ) {
    return undefined;
  }
  return {
    token: o.token,
    accessor: o.accessor,
    expiresAtMs: expires === null ? undefined : (expires as number),
    renewable: o.renewable,
    requestedTtlSeconds: o.requestedTtlSeconds,
  };
}
