// The custom resources the generic pipeline serves, as tests write them: ExternalSecrets and
// their stores, with the caller's spec.

import type { KubernetesObject } from '@kubernetes/client-node';

export const EXTERNAL = 'external.lockstep.dev/v1';
export const GENERATORS = 'generators.lockstep.dev/v1alpha1';
export const VAULT = 'vault.lockstep.dev/v1beta1';

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they assert on
export type Obj = KubernetesObject & { spec?: any; status?: any; data?: any };

export function externalSecret(namespace: string, name: string, spec: object, metadata: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'ExternalSecret', metadata: { name, namespace, ...metadata }, spec };
}

export function secretStore(namespace: string, name: string, provider: object, extra: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'SecretStore', metadata: { name, namespace }, spec: { provider, ...extra } };
}

/** The `aws` provider of a store: Secrets Manager, with the access keys under `access-key` and `secret-access-key` of Secret `credentials`. */
export function awsProvider(region: string, credentials: string): object {
  return {
    aws: {
      service: 'SecretsManager',
      region,
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: credentials, key: 'access-key' },
          secretAccessKeySecretRef: { name: credentials, key: 'secret-access-key' },
        },
      },
    },
  };
}

export function clusterSecretStore(name: string, provider: object, extra: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'ClusterSecretStore', metadata: { name }, spec: { provider, ...extra } };
}
