// Public surface of @lockstep/generic: what other packages may import.

// CRD schemas and types of external.lockstep.dev/v1 and the generic generators (TypeBox is the source of truth).
export { type ClusterExternalSecret, ClusterExternalSecretSchema } from './api/cluster-external-secret.ts';
export { genericCrds } from './api/crds.ts';
export {
  type ExternalSecret,
  ExternalSecretReasons,
  ExternalSecretSchema,
  type ExternalSecretSpec,
  type ExternalSecretStatus,
} from './api/external-secret.ts';
export { type DataFrom, GENERATOR_KINDS, type SecretStoreRef } from './api/external-secret-data.ts';
export type { SecretTarget, SecretTemplate } from './api/external-secret-target.ts';
export { type FakeGenerator, FakeGeneratorSchema } from './api/fake-generator.ts';
export { type Password, PasswordSchema } from './api/password-generator.ts';
export { type AwsProvider, AwsProviderSchema } from './api/provider-aws.ts';
export { type FakeProvider, FakeProviderSchema } from './api/provider-fake.ts';
export { type KubernetesProvider, KubernetesProviderSchema } from './api/provider-kubernetes.ts';
export { type PushSecret, PushSecretSchema } from './api/push-secret.ts';
export { selectNamespaces } from './cluster-external-secret/namespace-selection.ts';
// ClusterExternalSecret: one ExternalSecret provisioned into every selected namespace.
export {
  CLUSTER_EXTERNAL_SECRET_API,
  type ClusterExternalSecretContext,
  type ExternalSecretWriter,
  planProvisioning,
  reconcileClusterExternalSecret,
} from './cluster-external-secret/reconcile-cluster-external-secret.ts';
// The ExternalSecret pipeline and the store reconcilers, wired by the controller.
export { RecentSyncs } from './external-secret/recent-syncs.ts';
export {
  EXTERNAL_SECRET_API,
  type ExternalSecretContext,
  reconcileExternalSecret,
} from './external-secret/reconcile-external-secret.ts';
export { reconcileSecretStore, type SecretStoreContext } from './external-secret/reconcile-secret-store.ts';
export { type ObjectCache, StoreError, type StoreObject, StoreResolver } from './external-secret/store-resolver.ts';
export { fakeGenerator } from './generators/fake.ts';
export { passwordGenerator } from './generators/password.ts';
// Providers of the generic pipeline (aws, kubernetes, fake) and their registration.
export { type AwsProviderDeps, awsClientKey, createAwsProvider, validateAwsSpec } from './providers/aws/provider.ts';
export type { CallObserver, CallResult } from './providers/call-observer.ts';
export { fakeClientKey, fakeProvider, validateFakeSpec } from './providers/fake/provider.ts';
export type { GenericProviderDeps } from './providers/generic-provider-deps.ts';
export {
  createKubernetesProvider,
  type KubernetesProviderDeps,
  kubernetesClientKey,
  validateKubernetesSpec,
} from './providers/kubernetes/provider.ts';
export { GENERIC_PROVIDERS, registerGenericProviders } from './providers/register.ts';
// The pipeline's wiring: one call gives the binary every generic controller.
export { type GenericOptions, genericControllers } from './wiring/generic-controllers.ts';
