// One provider client per store configuration, reused across reconciles (no login per
// reconcile). The key is the provider's own `clientKey`, which covers everything that
// changes the client's identity; a store whose spec changed gets a new key, and the old
// client is closed once no store refers to it any more.

import type { SecretsClient } from './provider.ts';

export class ClientCache {
  private readonly clients = new Map<string, Promise<SecretsClient>>();
  /** Which key each store (by its own id, e.g. `SecretStore/ns/name`) uses now. */
  private readonly keyOfStore = new Map<string, string>();

  async get(storeId: string, key: string, create: () => Promise<SecretsClient>): Promise<SecretsClient> {
    const previous = this.keyOfStore.get(storeId);
    this.keyOfStore.set(storeId, key);
    if (previous !== undefined && previous !== key) await this.closeIfUnused(previous);
    let client = this.clients.get(key);
    if (!client) {
      client = create();
      this.clients.set(key, client);
      // A failed login is not cached: the next reconcile tries again.
      client.catch(() => {
        if (this.clients.get(key) === client) this.clients.delete(key);
      });
    }
    return client;
  }

  /** Forgets a deleted store; closes its client unless another store shares it. */
  async release(storeId: string): Promise<void> {
    const key = this.keyOfStore.get(storeId);
    this.keyOfStore.delete(storeId);
    if (key !== undefined) await this.closeIfUnused(key);
  }

  size(): number {
    return this.clients.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    this.keyOfStore.clear();
    await Promise.allSettled(all.map(async (c) => (await c).close()));
  }

  private async closeIfUnused(key: string): Promise<void> {
    if ([...this.keyOfStore.values()].includes(key)) return;
    const client = this.clients.get(key);
    this.clients.delete(key);
    if (client) await client.then((c) => c.close()).catch(() => undefined);
  }
}
