// Where login tokens survive a controller restart. The real store (encrypted, in a Secret of
// the controller's namespace, SPEC §2 point 5) is a later step; until then tokens live in
// memory and a restarted controller logs in again (its leases stay bound to the old token
// until that token's TTL; see docs/vault-client.md).

export interface StoredToken {
  token: string;
  accessor: string;
  /** Epoch ms; undefined: never expires. */
  expiresAtMs: number | undefined;
  renewable: boolean;
  requestedTtlSeconds: number;
}

export interface TokenStore {
  load(identity: string): Promise<StoredToken | undefined>;
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
