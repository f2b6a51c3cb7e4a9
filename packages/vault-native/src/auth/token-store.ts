// Where login tokens survive a controller restart: SecretTokenStore (secret-token-store.ts)
// keeps them encrypted in a Secret of the controller namespace; InMemoryTokenStore serves
// tests and the transit cipher's own bootstrap token. See docs/token-persistence.md.

export interface StoredToken {
  token: string;
  accessor: string;
  /** Epoch ms; undefined: never expires. */
  expiresAtMs: number | undefined;
  renewable: boolean;
  requestedTtlSeconds: number;
}

/** Why a stored value could not be used: see SecretTokenStore's `onUnreadable`. */
export type UnreadableReason = 'undecryptable' | 'malformed';

export interface TokenStore {
  load(identity: string): Promise<StoredToken | undefined>;
  /**
   * Whether the last `load` of `identity` answered nothing although a value was stored (and
   * why): the token was lost (its key replaced, the Secret altered), not never saved.
   */
  unreadable?(identity: string): UnreadableReason | undefined;
  save(identity: string, token: StoredToken): Promise<void>;
  delete(identity: string): Promise<void>;
}

export class InMemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredToken>();

  async load(identity: string): Promise<StoredToken | undefined> {
    const t = this.#tokens.get(identity);
    return t ? { ...t } : undefined;
  }

  async save(identity: string, token: StoredToken): Promise<void> {
    this.#tokens.set(identity, { ...token });
  }

  async delete(identity: string): Promise<void> {
    this.#tokens.delete(identity);
  }

  get size(): number {
    return this.#tokens.size;
  }
}
