// References ESO uses across providers (and the Vault provider in vault-native), declared
// once here so every CRD validates them the same way.

import { type Static, Type } from 'typebox';
import { StringEnum, StringMap } from './schema-helpers.ts';

const NAME = { minLength: 1, maxLength: 253 };

/** ESO `SecretKeySelector`: `namespace` is honoured only by cluster-scoped stores. */
export const SecretKeySelectorSchema = Type.Object({
  name: Type.String({ ...NAME, description: 'Name of the Secret.' }),
  key: Type.Optional(Type.String({ description: 'Key in the Secret; required by most consumers.' })),
  namespace: Type.Optional(Type.String({ description: 'Only for ClusterSecretStore; ignored otherwise.' })),
});
export type SecretKeySelectorRef = Static<typeof SecretKeySelectorSchema>;

/** ESO `ServiceAccountSelector`. */
export const ServiceAccountSelectorSchema = Type.Object({
  name: Type.String({ ...NAME }),
  namespace: Type.Optional(Type.String({ description: 'Only for ClusterSecretStore.' })),
  audiences: Type.Optional(Type.Array(Type.String())),
});
export type ServiceAccountSelector = Static<typeof ServiceAccountSelectorSchema>;

/** ESO `CAProvider`: a CA bundle taken from a Secret or ConfigMap key. */
export const CaProviderSchema = Type.Object({
  type: StringEnum(['Secret', 'ConfigMap'] as const),
  name: Type.String({ ...NAME }),
  key: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String({ description: 'Only for ClusterSecretStore.' })),
});
export type CaProvider = Static<typeof CaProviderSchema>;

/** metav1.LabelSelector. */
export const LabelSelectorSchema = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String(),
        operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
        values: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  ),
});
export type LabelSelector = Static<typeof LabelSelectorSchema>;
