// `spec.provider.azurekv` of a SecretStore (ESO AzureKVProvider): Azure Key Vault secrets,
// keys and certificates, with a service principal, managed identity or workload identity.

import { SecretKeySelectorSchema, ServiceAccountSelectorSchema, StringEnum } from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const AZURE_AUTH_TYPES = ['ServicePrincipal', 'ManagedIdentity', 'WorkloadIdentity'] as const;
export const AZURE_ENVIRONMENTS = [
  'PublicCloud',
  'USGovernmentCloud',
  'ChinaCloud',
  'GermanCloud',
  'AzureStackCloud',
] as const;

export const AzureKvProviderSchema = Type.Object({
  authType: Type.Optional(
    StringEnum(AZURE_AUTH_TYPES, { default: 'ServicePrincipal', description: 'How to authenticate to Entra ID.' }),
  ),
  vaultUrl: Type.String({ minLength: 1, description: 'https://<name>.vault.azure.net' }),
  tenantId: Type.Optional(Type.String({ description: 'Entra tenant; required for ServicePrincipal.' })),
  environmentType: Type.Optional(
    StringEnum(AZURE_ENVIRONMENTS, { default: 'PublicCloud', description: 'Which Azure cloud signs the tokens.' }),
  ),
  authSecretRef: Type.Optional(
    Type.Object({
      clientId: Type.Optional(SecretKeySelectorSchema),
      tenantId: Type.Optional(SecretKeySelectorSchema),
      clientSecret: Type.Optional(SecretKeySelectorSchema),
      clientCertificate: Type.Optional(SecretKeySelectorSchema),
    }),
  ),
  serviceAccountRef: Type.Optional(ServiceAccountSelectorSchema),
  identityId: Type.Optional(Type.String({ description: 'Client id (or resource id) of a user-assigned identity.' })),
  useAzureSDK: Type.Optional(
    Type.Boolean({ description: 'Accepted for ESO compatibility; Lockstep always uses the current Azure SDK.' }),
  ),
  customCloudConfig: Type.Optional(
    Type.Object({
      activeDirectoryEndpoint: Type.String({ minLength: 1 }),
      keyVaultEndpoint: Type.Optional(Type.String()),
      keyVaultDNSSuffix: Type.Optional(Type.String()),
      resourceManagerEndpoint: Type.Optional(Type.String()),
    }),
  ),
});
export type AzureKvProvider = Static<typeof AzureKvProviderSchema>;
