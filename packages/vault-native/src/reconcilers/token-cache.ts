// One managed login token per identity for the Vault-native kinds: acquired on first use and
// kept (renewed by the TokenManager) until the engine stops, so a reconcile never logs in
// again. A failed login is forgotten, so the next reconcile tries afresh.
//
// It also remembers the tokens the TokenManager replaced (max TTL reached, not renewable):
// the leases they created die with them, so the lease engine needs their lifetime and the
// moment they were superseded to re-issue those leases in time (SPEC §2 lease engine 4).

import type { LoginTarget } from '../auth/login-target.ts';
import { identityKey } from '../auth/login-target.ts';
import type { ManagedToken, TokenManager, TokenReplacement } from '../auth/token-manager.ts';
import type { TokenLifetime } from '../lease/lease-backend.ts';

const FORGET_AFTER_MS = 3_600_000;

export interface TokenCacheOptions {
  now?: () => Date;
  /** Called after an identity's token was replaced: wake the leased resources of `target.namespace`. */
  onReplaced?: (target: LoginTarget, replacement: TokenReplacement) => void;
}

export class TokenCache {
  readonly manager: TokenManager;
  readonly #tokens = new Map<string, Promise<ManagedToken>>();
  readonly #unsubscribe = new Map<string, () => void>();
  /** Replaced tokens by accessor, until they expire. */
  readonly #superseded = new Map<string, TokenLifetime>();
  readonly #now: () => Date;
  readonly #onReplaced: TokenCacheOptions['onReplaced'];

  constructor(manager: TokenManager, opts: TokenCacheOptions = {}) {
    this.manager = manager;
    this.#now = opts.now ?? (() => new Date());
    this.#onReplaced = opts.onReplaced;
  }

  get(target: LoginTarget): Promise<ManagedToken> {
    const identity = identityKey(target);
    if (!this.#unsubscribe.has(identity)) {
      this.#unsubscribe.set(
        identity,
        this.manager.onTokenReplaced(identity, (r) => this.#replaced(target, r)),
      );
    }
    let token = this.#tokens.get(identity);
    if (!token) {
      token = this.manager.acquire(target);
      this.#tokens.set(identity, token);
      token.catch(() => {
        if (this.#tokens.get(identity) === token) this.#tokens.delete(identity);
      });
    }
    return token;
  }

  /**
   * The lifetime of the login token with `accessor` (a ledger's `tokenAccessor`): the live
   * token of `current`'s identity, or one it replaced (with `supersededAt`). Undefined: unknown.
   */
  lifetime(accessor: string | undefined, current: ManagedToken): TokenLifetime | undefined {
    if (!accessor) return undefined;
    if (accessor === current.accessor()) return { accessor, expiresAt: current.expiresAt() };
    return this.#superseded.get(accessor);
  }

  /** Releases every token (stops renewals; revokes nothing). */
  stop(): void {
    for (const off of this.#unsubscribe.values()) off();
    this.#unsubscribe.clear();
    for (const token of this.#tokens.values()) token.then((t) => t.release()).catch(() => undefined);
    this.#tokens.clear();
  }

  #replaced(target: LoginTarget, r: TokenReplacement): void {
    const now = this.#now();
    // Kept a while past expiry: a lease of a dead token is re-issued (LeaseExpired) on its next run.
    for (const [accessor, t] of this.#superseded) {
      if (t.expiresAt && t.expiresAt.getTime() < now.getTime() - FORGET_AFTER_MS) this.#superseded.delete(accessor);
    }
    // A token without expiry never kills its leases: nothing to re-issue.
    if (r.previous.expiresAt) {
      this.#superseded.set(r.previous.accessor, {
        accessor: r.previous.accessor,
        expiresAt: r.previous.expiresAt,
        supersededAt: now,
      });
    }
    this.#onReplaced?.(target, r);
  }
}
