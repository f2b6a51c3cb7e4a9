// How vault-native plugs into the generic pipeline: the controller calls this once with its
// registry, which builds the `vault` provider from its registration (schema, factory, metrics).

import type { ProviderRegistry } from '@lockstep/core';
import { TokenManager, type TokenManagerOptions } from '../auth/token-manager.ts';
import type { VaultClientDeps } from '../client/vault-client.ts';
import { VaultClientPool } from '../client/vault-client-pool.ts';
import { vaultDynamicSecretGenerator } from './dynamic-secret-generator.ts';
import { vaultRegistration } from './vault-provider.ts';

export interface VaultPipelineDeps {
  /** Share one with the Vault-native engine so both models use the same login tokens. */
  tokens?: TokenManager;
  clients?: VaultClientPool;
  /** Used only when `tokens` / `clients` are created here. */
  tokenOptions?: TokenManagerOptions;
  clientOptions?: VaultClientDeps;
  /** `--refuse-insecure-transport`: stores with an http:// server are refused, not only flagged. */
  refuseInsecureTransport?: boolean;
}

export interface VaultPipelineHandle {
  tokens: TokenManager;
  clients: VaultClientPool;
  /** Stops renewals and closes connections (revokes nothing). */
  stop(): void;
}

export function registerVaultIntoPipeline(
  registry: ProviderRegistry,
  deps: VaultPipelineDeps = {},
): VaultPipelineHandle {
  const tokens = deps.tokens ?? new TokenManager(deps.tokenOptions);
  const clients = deps.clients ?? new VaultClientPool(deps.clientOptions);
  const policy = deps.refuseInsecureTransport ? { refuseInsecureTransport: true } : {};
  registry.register(vaultRegistration, { tokens, clients, ...policy });
  // ESO's VaultDynamicSecret generator, on the same lease engine, client pool and login tokens.
  registry.registerLeasedGenerator(vaultDynamicSecretGenerator({ tokens, clients, ...policy }));
  return {
    tokens,
    clients,
    stop() {
      tokens.stop();
      clients.closeAll();
    },
  };
}
