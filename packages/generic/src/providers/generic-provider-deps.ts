import type { KubeConfig } from '@kubernetes/client-node';

/** What the binary tells generic's providers when it registers them (registerGenericProviders). */
export interface GenericProviderDeps {
  /** The controller's own cluster, for kubernetes stores without `server.url`. */
  localKubeConfig?: KubeConfig;
  /** AWS reads asked within this window share one BatchGetSecretValue call; default 10 ms. */
  awsBatchWindowMs?: number;
  /** `--allow-cluster-store-ambient-credentials`: see createAwsProvider. */
  allowClusterStoreAmbientCredentials?: boolean;
  now?: () => number;
}
