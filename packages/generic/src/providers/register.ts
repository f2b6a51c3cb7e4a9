// Registers the providers `generic` owns (aws, kubernetes, fake) into the pipeline's
// registry. `vault` is registered by vault-native through the same registry.

import type { KubeConfig } from '@kubernetes/client-node';
import type { ProviderRegistry } from '@lockstep/core';
import { createAwsProvider } from './aws/provider.ts';
import type { CallResult } from './call-observer.ts';
import { fakeProvider } from './fake/provider.ts';
import { createKubernetesProvider } from './kubernetes/provider.ts';

export interface GenericProviderDeps {
  /** The controller's own cluster, for kubernetes stores without `server.url`. */
  localKubeConfig?: KubeConfig;
  /** One call per backend API call, for metrics (`provider` is `aws` or `kubernetes`). */
  onCall?: (provider: string, operation: string, result: CallResult) => void;
  /** AWS reads asked within this window share one BatchGetSecretValue call; default 10 ms. */
  awsBatchWindowMs?: number;
  /** `--allow-cluster-store-ambient-credentials`: see createAwsProvider. */
  allowClusterStoreAmbientCredentials?: boolean;
  now?: () => number;
}

export function registerGenericProviders(registry: ProviderRegistry, deps: GenericProviderDeps = {}): void {
  const observer = (provider: string) =>
    deps.onCall
      ? { onCall: (operation: string, result: CallResult) => deps.onCall?.(provider, operation, result) }
      : {};
  registry.registerProvider(
    createAwsProvider({
      ...observer('aws'),
      ...(deps.awsBatchWindowMs !== undefined ? { batchWindowMs: deps.awsBatchWindowMs } : {}),
      allowClusterStoreAmbientCredentials: deps.allowClusterStoreAmbientCredentials,
      ...(deps.now ? { now: deps.now } : {}),
    }) as never,
  );
  registry.registerProvider(
    createKubernetesProvider({
      ...observer('kubernetes'),
      ...(deps.localKubeConfig ? { localKubeConfig: deps.localKubeConfig } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    }) as never,
  );
  registry.registerProvider(fakeProvider as never);
}
