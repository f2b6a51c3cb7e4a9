import type { ProviderContext } from './provider.ts';

/**
 * The namespace that belongs in a client key: always the store's for a SecretStore; for a
 * ClusterSecretStore only when some reference leaves its namespace to the ExternalSecret.
 * Without one, ExternalSecrets of every namespace share one client and its coalesced reads.
 */
export function credentialNamespace(
  ctx: Pick<ProviderContext, 'store' | 'namespace'>,
  refs: ({ namespace?: string | undefined } | undefined)[],
): string | undefined {
  if (ctx.store.kind === 'SecretStore') return ctx.namespace;
  return refs.some((ref) => ref && !ref.namespace) ? ctx.namespace : undefined;
}
