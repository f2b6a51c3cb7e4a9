// API groups and versions of every Lockstep kind (SPEC §1) and the categories that let
// `kubectl get lockstep` (or the anchor-like `external-secrets` / `vso`) list them.

export const EXTERNAL_GROUP = 'external.lockstep.dev';
export const EXTERNAL_VERSION = 'v1';
export const GENERATORS_GROUP = 'generators.lockstep.dev';
export const GENERATORS_VERSION = 'v1alpha1';
export const VAULT_GROUP = 'vault.lockstep.dev';
export const VAULT_VERSION = 'v1beta1';

export const EXTERNAL_CATEGORIES = ['lockstep', 'external-secrets'];
export const GENERATOR_CATEGORIES = ['lockstep', 'external-secrets', 'external-secrets-generators'];
export const VAULT_CATEGORIES = ['lockstep', 'vso'];
