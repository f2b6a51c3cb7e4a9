// Spec fields every VSO secret kind shares.

import { DestinationSchema, RolloutRestartTargetsSchema } from '@lockstep/core';
import { Type } from 'typebox';

export const commonSecretSpecFields = {
  vaultAuthRef: Type.Optional(
    Type.String({ description: 'VaultAuth name in the same namespace; defaults to `default`.' }),
  ),
  namespace: Type.Optional(Type.String({ description: 'Vault namespace of the secret.' })),
  mount: Type.String({ minLength: 1, description: 'Mount of the secrets engine.' }),
  destination: DestinationSchema,
  rolloutRestartTargets: Type.Optional(RolloutRestartTargetsSchema),
};
