// Writes a VSO `destination` Secret through core's Secret writer. `create: true` creates the
// Secret owned by the resource (an existing unmanaged Secret is taken over only with
// `overwrite: true`); `create: false` writes into a Secret that must already exist.

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import {
  type Destination,
  decodeData,
  MANAGED_LABEL,
  type SecretApi,
  type WriteReason,
  writeSecret,
} from '@lockstep/core';
import type { ObjectCache } from './object-cache.ts';

export interface DestinationWrite {
  namespace: string;
  destination: Destination;
  data: Record<string, Uint8Array>;
  owner: V1OwnerReference;
}

export type DestinationResult =
  | { written: true; reason: WriteReason; mac: string }
  | { written: false; mac: string }
  | { written: false; blocked: string };

export interface DestinationDeps {
  secrets: ObjectCache<V1Secret>;
  secretApi: SecretApi;
  macKey: Uint8Array;
}

export async function writeDestination(w: DestinationWrite, deps: DestinationDeps): Promise<DestinationResult> {
  const { namespace, destination } = w;
  const name = destination.name;
  // Secrets we do not manage yet are not in the label-filtered cache.
  let existing = deps.secrets.get(namespace, name) ?? (await deps.secretApi.get(namespace, name));
  if (!destination.create && !existing) {
    return {
      written: false,
      blocked: `Secret "${name}" does not exist and destination.create is false: create the Secret, or set destination.create: true`,
    };
  }
  const managed = existing?.metadata?.labels?.[MANAGED_LABEL] === 'true';
  const owned = existing?.metadata?.ownerReferences?.some((r) => r.uid === w.owner.uid) ?? false;
  if (destination.create && existing && !managed && !owned) {
    if (!destination.overwrite) {
      return {
        written: false,
        blocked: `Secret "${name}" already exists and is not managed by Lockstep: set destination.overwrite: true to take it over, or choose another destination.name`,
      };
    }
    existing = withManagedLabel(existing);
  }
  const result = await writeSecret(deps.secretApi, {
    desired: {
      namespace,
      name,
      data: w.data,
      ...(destination.labels ? { labels: destination.labels } : {}),
      ...(destination.annotations ? { annotations: destination.annotations } : {}),
      ...(destination.type ? { type: destination.type } : {}),
    },
    // VSO replaces the data of a Secret it syncs into; Orphan keeps it unowned.
    creationPolicy: destination.create ? 'Owner' : 'Orphan',
    owner: w.owner,
    existing,
    macKey: deps.macKey,
  });
  if ('blocked' in result && result.blocked) return { written: false, blocked: result.blocked.message };
  if (!('mac' in result)) return { written: false, blocked: 'nothing written' };
  if (result.written && (result.plan.action === 'create' || result.plan.action === 'replace')) {
    return { written: true, reason: result.plan.reason, mac: result.mac };
  }
  return { written: false, mac: result.mac };
}

/** Whether the destination Secret holds what status.secretMAC says was written. */
export function destinationState(
  secret: V1Secret | undefined,
  recordedMac: string | undefined,
  macOf: (data: Record<string, Uint8Array>) => string,
): 'InSync' | 'Missing' | 'Drifted' | 'Unknown' {
  if (!recordedMac) return 'Unknown';
  if (!secret) return 'Missing';
  return macOf(decodeData(secret.data)) === recordedMac ? 'InSync' : 'Drifted';
}

function withManagedLabel(secret: V1Secret): V1Secret {
  return {
    ...secret,
    metadata: { ...secret.metadata, labels: { ...secret.metadata?.labels, [MANAGED_LABEL]: 'true' } },
  };
}
