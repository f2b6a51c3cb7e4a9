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
