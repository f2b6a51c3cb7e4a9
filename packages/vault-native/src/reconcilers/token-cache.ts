// One managed login token per identity for the Vault-native kinds: acquired on first use and
// kept (renewed by the TokenManager) until the engine stops, so a reconcile never logs in
// again. A failed login is forgotten, so the next reconcile tries afresh.

import type { LoginTarget } from '../auth/login-target.ts';
import { identityKey } from '../auth/login-target.ts';
import type { ManagedToken, TokenManager } from '../auth/token-manager.ts';

export class TokenCache {
  readonly manager: TokenManager;
  readonly #tokens = new Map<string, Promise<ManagedToken>>();

  constructor(manager: TokenManager) {
    this.manager = manager;
  }

  get(target: LoginTarget): Promise<ManagedToken> {
    const identity = identityKey(target);
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

  /** Releases every token (stops renewals; revokes nothing). */
  stop(): void {
    for (const token of this.#tokens.values()) token.then((t) => t.release()).catch(() => undefined);
    this.#tokens.clear();
  }
}
