// `spec.provider.vault` of a SecretStore (ESO VaultProvider) and the `provider` of the
// VaultDynamicSecret generator. Owned here because vault-native implements the provider;
// the controller hands this schema to generic's SecretStore CRDs.

import {
  CaProviderSchema,
  SecretKeySelectorSchema,
  ServiceAccountSelectorSchema,
  StringEnum,
  StringMap,
} from '@lockstep/core';
import { type Static, Type } from 'typebox';

const AUTH_METHODS = ['tokenSecretRef', 'appRole', 'kubernetes', 'jwt', 'vaultAuthRef'] as const;

export const VaultStoreAuthSchema = Type.Object(
  {
    namespace: Type.Optional(
      Type.String({ description: 'Vault namespace to log in to, when it differs from the provider namespace.' }),
    ),
    tokenSecretRef: Type.Optional(SecretKeySelectorSchema),
    appRole: Type.Optional(
      Type.Object({
        path: Type.String({ default: 'approle' }),
        roleId: Type.Optional(Type.String()),
        roleRef: Type.Optional(SecretKeySelectorSchema),
        secretRef: SecretKeySelectorSchema,
      }),
    ),
    kubernetes: Type.Optional(
      Type.Object({
        mountPath: Type.String({ default: 'kubernetes' }),
        role: Type.String({ minLength: 1 }),
        serviceAccountRef: Type.Optional(ServiceAccountSelectorSchema),
        secretRef: Type.Optional(SecretKeySelectorSchema),
      }),
    ),
    jwt: Type.Optional(
      Type.Object({
        path: Type.String({ default: 'jwt' }),
        role: Type.Optional(Type.String()),
        secretRef: Type.Optional(SecretKeySelectorSchema),
        kubernetesServiceAccountToken: Type.Optional(
          Type.Object({
            serviceAccountRef: ServiceAccountSelectorSchema,
            audiences: Type.Optional(Type.Array(Type.String())),
            expirationSeconds: Type.Optional(Type.Integer({ minimum: 600, format: 'int64' })),
          }),
        ),
      }),
    ),
    vaultAuthRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          namespace: Type.Optional(Type.String({ description: 'Only for ClusterSecretStore.' })),
        },
        { description: 'Lockstep extension: log in with a VaultAuth, so one auth configuration serves both models.' },
      ),
    ),
  },
  {
    description: `Exactly one of ${AUTH_METHODS.join(', ')}.`,
    oneOf: AUTH_METHODS.map((m) => ({ required: [m] })),
  },
);

export const VaultStoreProviderSchema = Type.Object({
  server: Type.String({ pattern: '^https?://', description: 'Vault address, e.g. https://vault.example:8200.' }),
  path: Type.Optional(Type.String({ description: 'Mount path of the KV engine.' })),
  version: StringEnum(['v1', 'v2'] as const, { default: 'v2' }),
  namespace: Type.Optional(Type.String({ description: 'Vault (Enterprise/OpenBao) namespace.' })),
  caBundle: Type.Optional(Type.String({ format: 'byte' })),
  caProvider: Type.Optional(CaProviderSchema),
  auth: Type.Optional(VaultStoreAuthSchema),
  headers: Type.Optional(StringMap()),
  readYourWrites: Type.Optional(Type.Boolean()),
  forwardInconsistent: Type.Optional(Type.Boolean()),
  tls: Type.Optional(
    Type.Object({
      certSecretRef: Type.Optional(SecretKeySelectorSchema),
      keySecretRef: Type.Optional(SecretKeySelectorSchema),
    }),
  ),
  checkAndSet: Type.Optional(Type.Object({ required: Type.Optional(Type.Boolean()) })),
});
export type VaultStoreProvider = Static<typeof VaultStoreProviderSchema>;
