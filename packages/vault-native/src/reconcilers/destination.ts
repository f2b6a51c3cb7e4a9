// Writes a VSO `destination` Secret through core's Secret writer. `create: true` creates the
// Secret owned by the resource (an existing Secret nobody owns is taken over only with
// `overwrite: true`; one another resource owns, never); `create: false` writes only the keys
// it renders into a Secret that must already exist, never removing or claiming anything else
// (core's Merge: see docs/security.md, "Secret ownership").

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import {
  DESTINATION_RULES,
  type Destination,
  decodeData,
  firstViolation,
  mergedData,
  planSecretWrite,
  type SecretApi,
  SpecProblem,
  type WritePlanInput,
  type WriteReason,
  writeSecret,
} from '@lockstep/core';
import type { DestinationState } from '../lease/lease-decision.ts';
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
  const result = await writeSecret(deps.secretApi, writeInput(w, await currentSecret(w, deps), deps.macKey));
  if ('blocked' in result && result.blocked) return { written: false, blocked: result.blocked.message };
  if (!('mac' in result)) return { written: false, blocked: 'nothing written' };
  if (result.written && (result.plan.action === 'create' || result.plan.action === 'replace')) {
    return { written: true, reason: result.plan.reason, mac: result.mac };
  }
  return { written: false, mac: result.mac };
}

/**
 * Why the destination cannot take a write (another owner, an unowned Secret without overwrite,
 * a missing one with create: false), checked before a leased credential is issued for it:
 * a credential nobody can receive would only have to be revoked again.
 */
export async function destinationBlocked(
  w: Omit<DestinationWrite, 'data'>,
  deps: DestinationDeps,
): Promise<string | undefined> {
  const probe = { ...w, data: {} };
  const plan = planSecretWrite(writeInput(probe, await currentSecret(probe, deps), deps.macKey));
  return plan.action === 'blocked' ? plan.message : undefined;
}

/** Secrets we do not manage (yet) are not in the label-filtered cache: read them. */
async function currentSecret(w: DestinationWrite, deps: DestinationDeps): Promise<V1Secret | undefined> {
  return (
    deps.secrets.get(w.namespace, w.destination.name) ?? (await deps.secretApi.get(w.namespace, w.destination.name))
  );
}

function writeInput(w: DestinationWrite, existing: V1Secret | undefined, macKey: Uint8Array): WritePlanInput {
  const { destination } = w;
  return {
    desired: {
      namespace: w.namespace,
      name: destination.name,
      data: w.data,
      ...(destination.labels ? { labels: destination.labels } : {}),
      ...(destination.annotations ? { annotations: destination.annotations } : {}),
      ...(destination.type ? { type: destination.type } : {}),
    },
    // VSO replaces the whole data of a `create: false` Secret; Lockstep writes only its own keys.
    creationPolicy: destination.create ? 'Owner' : 'Merge',
    owner: w.owner,
    existing,
    macKey,
    adopt: destination.create && destination.overwrite,
    hints: {
      notOwned: 'set destination.overwrite: true to take it over, or choose another destination.name',
      missing: 'destination.create is false, so it must exist: create the Secret, or set destination.create: true',
    },
  };
}

/** The destination rules the CRD enforces with CEL, again for clusters that skip CEL (Ready=False, InvalidSpec). */
export function checkDestinationSpec(destination: Destination): void {
  const problem = firstViolation(DESTINATION_RULES, destination);
  if (problem) throw new SpecProblem('InvalidSpec', problem);
}

/**
 * What this resource wrote into its destination, as it is now: the whole data of a Secret it
 * created (`create: true`), or only its recorded keys of somebody else's (`create: false`,
 * which is not in the managed cache, so it is read from the API server).
 */
export async function destinationData(
  namespace: string,
  destination: Destination,
  uid: string,
  deps: DestinationDeps,
): Promise<Record<string, string> | undefined> {
  if (destination.create) {
    const secret = deps.secrets.get(namespace, destination.name);
    return secret ? (secret.data ?? {}) : undefined;
  }
  return mergedData(await deps.secretApi.get(namespace, destination.name), uid);
}

/** Whether the destination holds what status.secretMAC says was written. */
export function destinationState(
  data: Record<string, string> | undefined,
  recordedMac: string | undefined,
  macOf: (data: Record<string, Uint8Array>) => string,
): DestinationState {
  if (!recordedMac) return 'Unknown';
  if (!data) return 'Missing';
  return macOf(decodeData(data)) === recordedMac ? 'InSync' : 'Drifted';
}
