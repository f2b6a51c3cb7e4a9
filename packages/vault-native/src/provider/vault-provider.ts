// The `vault` provider of the generic pipeline (ESO's `spec.provider.vault`): validates the
// store spec, keys clients by configuration, and builds a KV client over the shared Vault
// client pool and token manager, so a store logs in once, not once per reconcile.

import { createHash } from 'node:crypto';
import {
  BackendError,
  credentialNamespace,
  type Provider,
  type ProviderContext,
  type ProviderRegistration,
  readCaProvider,
  type SecretsClient,
  type StoreRef,
} from '@lockstep/core';
import { VaultStoreProviderSchema } from '../api/vault-store-provider.ts';
import type { LoginTarget } from '../auth/login-target.ts';
import type { TokenManager } from '../auth/token-manager.ts';
import { insecureTransportWarning, type TransportPolicy } from '../client/transport-security.ts';
import type { VaultConnectionConfig } from '../client/vault-client.ts';
import type { VaultClientPool } from '../client/vault-client-pool.ts';
import { VaultKvClient } from './kv-client.ts';
import { authMethodOf, decodeCaBundle, type VaultProviderSpec, validateVaultSpec } from './vault-provider-spec.ts';

export interface VaultProviderDeps extends TransportPolicy {
  tokens: TokenManager;
  clients: VaultClientPool;
}

export function createVaultProvider(deps: VaultProviderDeps): Provider<VaultProviderSpec> {
  return {
    name: 'vault',
    capabilities: 'ReadWrite',

    validateSpec(spec: VaultProviderSpec, store: StoreRef): string[] {
      return validateVaultSpec(spec, store, deps);
    },

    insecureTransport(spec: VaultProviderSpec): string | undefined {
      return insecureTransportWarning(spec?.server, 'spec.provider.vault.server');
    },

    clientKey(spec: VaultProviderSpec, ctx: ProviderContext): string {
      // For a ClusterSecretStore, refs without a namespace (and service accounts) resolve in the
      // ExternalSecret's namespace: only then is that namespace part of the client's identity.
      const auth = spec.auth;
      const namespace = credentialNamespace(ctx, [
        auth?.tokenSecretRef,
        auth?.appRole?.roleRef,
        auth?.appRole?.secretRef,
        auth?.kubernetes?.serviceAccountRef,
        auth?.kubernetes?.secretRef,
        auth?.jwt?.secretRef,
        auth?.jwt?.kubernetesServiceAccountToken?.serviceAccountRef,
        spec.caProvider,
        spec.tls?.certSecretRef,
        spec.tls?.keySecretRef,
      ]);
      const canonical = JSON.stringify([ctx.store.kind, ctx.store.namespace ?? '', namespace ?? '', sortKeys(spec)]);
      return `vault/${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
    },

    async newClient(spec: VaultProviderSpec, ctx: ProviderContext): Promise<SecretsClient> {
      const problems = validateVaultSpec(spec, ctx.store, deps);
      if (problems.length > 0) throw new BackendError('InvalidInput', 'vault', problems.join('; '));
      const client = deps.clients.get(await connectionOf(spec, ctx));
      const target: LoginTarget = {
        client,
        kube: ctx.kube,
        namespace: ctx.namespace,
        ...(spec.auth?.namespace ? { vaultNamespace: spec.auth.namespace } : {}),
        method: authMethodOf(spec),
      };
      const token = await deps.tokens.acquire(target);
      return new VaultKvClient({
        client,
        token,
        mount: spec.path,
        version: spec.version === 'v1' ? 1 : 2,
      });
    },
  };
}

export async function connectionOf(spec: VaultProviderSpec, ctx: ProviderContext): Promise<VaultConnectionConfig> {
  let caCertPem: string | undefined;
  if (spec.caBundle) caCertPem = decodeCaBundle(spec.caBundle);
  if (spec.caProvider) {
    const pem = await readCaProvider('spec.provider.vault.caProvider', spec.caProvider, ctx, 'vault');
    caCertPem = caCertPem ? `${caCertPem}\n${pem}` : pem;
  }
  return {
    address: spec.server,
    ...(caCertPem ? { caCertPem } : {}),
    ...(spec.namespace ? { namespace: spec.namespace } : {}),
    ...(headersOf(spec) ? { headers: headersOf(spec) } : {}),
  };
}

/** The store's headers; forwardInconsistent adds the one ESO adds (Vault Enterprise performance standbys). */
function headersOf(spec: VaultProviderSpec): Record<string, string> | undefined {
  if (!spec.forwardInconsistent) return spec.headers;
  return { ...spec.headers, 'X-Vault-Inconsistent': 'forward-active-node' };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/**
 * The registry counts each read that reaches a vault client; every HTTP attempt behind it
 * (retries included) is counted as `vault-http` by the client pool's `onAttempt`.
 */
export const vaultRegistration: ProviderRegistration<VaultProviderDeps> = {
  name: 'vault',
  schema: VaultStoreProviderSchema,
  metrics: 'registry',
  create: (deps) => createVaultProvider(deps),
};
