// A provider of the generic pipeline registers everything it brings in one object: the schema
// of its `spec.provider.<name>` (a member of the SecretStore CRDs' union), how to build it,
// and how its calls are counted. The CRDs, the registry and the metrics are derived from it.

import type { TSchema } from 'typebox';
import type { Provider } from './provider.ts';

/** One backend call for `lockstep_provider_requests_total`; `result` is `success` or the error class. */
export type ProviderCallObserver = (operation: string, result: string) => void;

/** What the registry hands every provider it builds. */
export interface ProviderSetup {
  /** Counts one call under this provider's name. */
  onCall: ProviderCallObserver;
}

/** What the CRDs, the docs and the metrics know of a provider without building it. */
export interface ProviderDescription {
  /** The key under `spec.provider`; also its `## name` section in docs/providers.md. */
  readonly name: string;
  /** TypeBox schema of `spec.provider.<name>`. */
  readonly schema: TSchema;
  /**
   * How its calls reach `lockstep_provider_requests_total`: `client` when its client reports
   * each backend API call through `setup.onCall` itself (aws: BatchGetSecretValue, ListSecrets,
   * …); `registry` when the registry counts each read that reaches its client (after coalescing).
   */
  readonly metrics: 'client' | 'registry';
}

export interface ProviderRegistration<Deps> extends ProviderDescription {
  /** Builds the provider once per controller; `deps` are what its package's register function was given. */
  create(deps: Deps, setup: ProviderSetup): Provider;
}

/** The `spec.provider` union members of the store CRDs, in the order given. */
export function storeProviderSchemas(providers: readonly ProviderDescription[]): Record<string, TSchema> {
  return Object.fromEntries(providers.map((p) => [p.name, p.schema]));
}
