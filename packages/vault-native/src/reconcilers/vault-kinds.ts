// API coordinates of the Vault-native kinds, and the references their objects put on what
// they own (ownerReferences, events, status patches).

import type { V1OwnerReference } from '@kubernetes/client-node';
import type { InvolvedObject, StatusTarget } from '@lockstep/core';

export const VAULT_API_GROUP = 'vault.lockstep.dev';
export const VAULT_API_VERSION = 'v1beta1';
export const VAULT_API = `${VAULT_API_GROUP}/${VAULT_API_VERSION}`;

export type VaultKind = 'VaultConnection' | 'VaultAuth' | 'VaultStaticSecret' | 'VaultPKISecret' | 'VaultDynamicSecret';

export const PLURALS: Record<VaultKind, string> = {
  VaultConnection: 'vaultconnections',
  VaultAuth: 'vaultauths',
  VaultStaticSecret: 'vaultstaticsecrets',
  VaultPKISecret: 'vaultpkisecrets',
  VaultDynamicSecret: 'vaultdynamicsecrets',
};

/** Held while a lease or certificate must be revoked (or a Secret cleared) before the object goes. */
export const VAULT_FINALIZER = 'vault.lockstep.dev/finalizer';

export interface VaultObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    deletionTimestamp?: Date | string;
    finalizers?: string[];
  };
}

export function statusTarget(kind: VaultKind, obj: VaultObject): StatusTarget {
  return {
    group: VAULT_API_GROUP,
    version: VAULT_API_VERSION,
    plural: PLURALS[kind],
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

export function involved(kind: VaultKind, obj: VaultObject): InvolvedObject {
  return {
    apiVersion: VAULT_API,
    kind,
    namespace: obj.metadata?.namespace,
    name: obj.metadata?.name ?? '',
    ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
  };
}

export function ownerReference(kind: VaultKind, obj: VaultObject): V1OwnerReference {
  return {
    apiVersion: VAULT_API,
    kind,
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
