// Public surface of @lockstep/vault-native: what other packages may import.

// CRD schemas and types of vault.lockstep.dev/v1beta1, the Vault store provider and generator (TypeBox is the source of truth).
export { vaultNativeCrds } from './api/crds.ts';

// Vault client, auth and token manager, and the `vault` provider of the generic pipeline.

// Persisted, encrypted login tokens (SPEC §2 point 5): one Secret in the controller namespace, a local AES-GCM key or OpenBao transit.
export { LocalTokenCipher } from './auth/local-token-cipher.ts';

export { SecretTokenStore } from './auth/secret-token-store.ts';
export { StorageEncryptionCipher } from './auth/storage-encryption-cipher.ts';

export { TokenManager } from './auth/token-manager.ts';

// Lease engine: pure decisions over the ledger, the engine acting through LeaseBackend, one scheduler, token staggering, PKI timing.

export { decideLease, type LeaseDecisionInput } from './lease/lease-decision.ts';
export { executeLeasePlan } from './lease/lease-engine.ts';
export { LeaseScheduler } from './lease/lease-scheduler.ts';

export { registerVaultIntoPipeline, type VaultPipelineHandle } from './provider/register.ts';
export { vaultRegistration } from './provider/vault-provider.ts';

// Vault-native reconcilers (VaultConnection, VaultAuth, VaultStaticSecret, VaultPKISecret, VaultDynamicSecret) and their wiring.
export { vaultNativeControllers } from './reconcilers/wiring.ts';
