// Spec fields every VSO secret kind shares, and the status fields the leased kinds share.

import {
  ConditionsSchema,
  DestinationSchema,
  LockstepStatusSchema,
  RolloutRestartTargetsSchema,
  Timestamp,
} from '@lockstep/core';
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

/**
 * The status a leased kind (VaultDynamicSecret, VaultPKISecret) ends with: the rotation
 * Lockstep plans next, Ready, and the ledger the lease engine resumes from after a restart.
 */
export function leasedStatusFields(nextRotation: string) {
  return {
    nextRotation: Type.Optional(Timestamp({ description: nextRotation })),
    conditions: Type.Optional(ConditionsSchema),
    lockstep: Type.Optional(LockstepStatusSchema),
  };
}
