// One VaultClient (one keep-alive agent) per connection configuration, shared by every store,
// VaultAuth and token of that connection. The token manager renews through these clients,
// so a store closing its SecretsClient never closes a connection someone else renews on.

import { connectionKey, VaultClient, type VaultClientDeps, type VaultConnectionConfig } from './vault-client.ts';

export class VaultClientPool {
  readonly #clients = new Map<string, VaultClient>();
  readonly #deps: VaultClientDeps;

  constructor(deps: VaultClientDeps = {}) {
    this.#deps = deps;
  }

  get(config: VaultConnectionConfig): VaultClient {
    const key = connectionKey(config);
    let client = this.#clients.get(key);
    if (!client) {
      client = new VaultClient(config, this.#deps);
      this.#clients.set(key, client);
    }
    return client;
  }

  get size(): number {
    return this.#clients.size;
  }

  closeAll(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
