// Public surface of @lockstep/vault-native: what other packages may import.

// CRD schemas and types of vault.lockstep.dev/v1beta1, the Vault store provider and generator (TypeBox is the source of truth).
export { vaultNativeCrds } from './api/crds.ts';
export { VAULT_AUTH_METHODS, type VaultAuth, VaultAuthSchema, type VaultAuthSpec } from './api/vault-auth.ts';
export { type VaultConnection, VaultConnectionSchema } from './api/vault-connection.ts';
export {
  type VaultDynamicSecret,
  VaultDynamicSecretSchema,
  type VaultDynamicSecretSpec,
  type VaultDynamicSecretStatus,
} from './api/vault-dynamic-secret.ts';
export {
  type VaultDynamicSecretGenerator,
  VaultDynamicSecretGeneratorSchema,
} from './api/vault-dynamic-secret-generator.ts';
export {
  type VaultPKISecret,
  VaultPKISecretSchema,
  type VaultPKISecretSpec,
  type VaultPKISecretStatus,
} from './api/vault-pki-secret.ts';
export { type VaultStaticSecret, VaultStaticSecretSchema } from './api/vault-static-secret.ts';
export { type VaultStoreProvider, VaultStoreProviderSchema } from './api/vault-store-provider.ts';

// Vault client, auth and token manager, and the `vault` provider of the generic pipeline.
export type {
  AppRoleAuth,
  AuthMethod,
  JwtAuth,
  KubernetesAuth,
  ServiceAccountTokenSource,
  TokenAuth,
} from './auth/auth-method.ts';
// Persisted, encrypted login tokens (SPEC §2 point 5): one Secret in the controller namespace, a local AES-GCM key or OpenBao transit.
export { LocalTokenCipher, TOKEN_KEY_SECRET } from './auth/local-token-cipher.ts';
export { type LoginGrant, login } from './auth/login.ts';
export { identityKey, type LoginTarget } from './auth/login-target.ts';
export {
  SecretTokenStore,
  type SecretTokenStoreOptions,
  TOKEN_STORE_SECRET,
  tokenStoreKey,
} from './auth/secret-token-store.ts';
export { StorageEncryptionCipher, type TransitCipherSource } from './auth/storage-encryption-cipher.ts';
export type { TokenCipher } from './auth/token-cipher.ts';
export {
  type ManagedToken,
  type TokenEvent,
  TokenManager,
  type TokenManagerOptions,
  type TokenReplacement,
  type TokenStats,
} from './auth/token-manager.ts';
export type { ReauthWhy, SchedulePolicy } from './auth/token-schedule.ts';
export { InMemoryTokenStore, type StoredToken, type TokenStore } from './auth/token-store.ts';
export { TransitTokenCipher, type TransitTokenCipherOptions } from './auth/transit-token-cipher.ts';
export type { RetryPolicy } from './client/retry-policy.ts';
export {
  connectionKey,
  type RequestOptions,
  VaultClient,
  type VaultClientDeps,
  type VaultConnectionConfig,
} from './client/vault-client.ts';
export { VaultClientPool } from './client/vault-client-pool.ts';
export { VaultVersionGoneError } from './client/vault-error.ts';
export { encodeVaultPath, joinPath } from './client/vault-path.ts';
export type {
  LeaseRenewal,
  TokenHandle,
  TokenLike,
  TokenLookup,
  VaultAuthInfo,
  VaultHealth,
  VaultResponse,
} from './client/vault-types.ts';
// Lease engine: pure decisions over the ledger, the engine acting through LeaseBackend, one scheduler, token staggering, PKI timing.
export type {
  IssuedCredential,
  LeaseBackend,
  RenewedLease,
  RevokeRef,
  TokenLifetime,
} from './lease/lease-backend.ts';
export {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_RENEWAL_PERCENT,
  decideLease,
  type IssueReason,
  type LeaseAction,
  type LeaseDecisionInput,
  type LeasePlan,
  type RolloutView,
} from './lease/lease-decision.ts';
export {
  executeLeasePlan,
  type IssuedResult,
  type LeaseActContext,
  type LeaseActResult,
} from './lease/lease-engine.ts';
export { LeaseScheduler, type LeaseSchedulerOptions } from './lease/lease-scheduler.ts';
export { nextPkiRotation, type PkiValidity, pkiRotationDue } from './lease/pki-rotation.ts';
export {
  defaultStaggerPolicy,
  leasePosition,
  type StaggerPolicy,
  type StaggerWindow,
  staggeredReissueAt,
  staggerSeed,
  tokenStaggerWindow,
} from './lease/token-stagger.ts';
export { MANAGED_BY_KEY, MANAGED_BY_VALUE, VaultKvClient } from './provider/kv-client.ts';
export { registerVaultIntoPipeline, type VaultPipelineDeps, type VaultPipelineHandle } from './provider/register.ts';
export { createVaultProvider, type VaultProviderDeps, vaultRegistration } from './provider/vault-provider.ts';
export { type VaultProviderSpec, validateVaultSpec } from './provider/vault-provider-spec.ts';
export { buildSecretData, type SourceData } from './reconcilers/secret-data.ts';
export { authMethodOf, namespaceAllowed, selectVaultAuth, selectVaultConnection } from './reconcilers/vault-refs.ts';
export { connectionConfig, openSession, type VaultSession } from './reconcilers/vault-session.ts';
// Vault-native reconcilers (VaultConnection, VaultAuth, VaultStaticSecret, VaultPKISecret, VaultDynamicSecret) and their wiring.
export { type VaultNativeEngine, type VaultNativeOptions, vaultNativeControllers } from './reconcilers/wiring.ts';
