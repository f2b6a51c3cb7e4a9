// Decides what the Secret writer must do, without I/O. The reconciler gives it the desired
// content and the Secret as it is now; the plan says whether to create, replace or leave it.

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { dataMac, macEquals } from './data-mac.ts';
import { DATA_MAC_ANNOTATION, MANAGED_LABEL } from './labels.ts';
import { planMerge } from './merge-plan.ts';
import { decodeData, encodeData, subsetOf } from './secret-encoding.ts';
import { CREATED_FOR_ANNOTATION, createdForValue, ownershipRefusal, secretOwnership } from './secret-ownership.ts';

export type CreationPolicy = 'Owner' | 'Orphan' | 'Merge' | 'None';

export interface DesiredSecret {
  namespace: string;
  name: string;
  type?: string;
  data: Record<string, Uint8Array>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  immutable?: boolean;
}

export interface WritePlanInput {
  desired: DesiredSecret;
  creationPolicy: CreationPolicy;
  /**
   * The resource the Secret is written for. Its uid decides whose an existing Secret is (see
   * secret-ownership.ts); with `Owner` it becomes the Secret's controller (garbage-collected with it).
   */
  owner: V1OwnerReference;
  /** The Secret as it is now, or undefined when it does not exist. */
  existing: V1Secret | undefined;
  macKey: Uint8Array;
  /** Take over an existing Secret that nobody owns (VSO `overwrite: true`); never one another resource owns. */
  adopt?: boolean;
  /** What the user can do, appended to the message when the Secret is somebody else's or (Merge) missing. */
  hints?: { notOwned?: string; missing?: string };
}

export type WriteReason = 'Created' | 'DataChanged' | 'MetadataChanged' | 'Drifted';

export type WritePlan =
  | { action: 'none'; mac: string }
  | { action: 'create'; body: V1Secret; mac: string; reason: WriteReason }
  | { action: 'replace'; body: V1Secret; mac: string; reason: WriteReason }
  /** Nothing can be written; `message` says what the user must fix. */
  | { action: 'blocked'; reason: BlockedReason; message: string };

export type BlockedReason = 'SecretMissing' | 'SecretImmutable' | 'NotOwned' | 'OwnedByOther' | 'KeyConflict';

export function planSecretWrite(input: WritePlanInput): WritePlan {
  const { desired, creationPolicy, existing, macKey } = input;
  if (creationPolicy === 'None') return { action: 'none', mac: dataMac(macKey, desired.data) };

  if (creationPolicy === 'Merge') return planMerge(input);

  const mac = dataMac(macKey, desired.data);
  const labels = { ...desired.labels, [MANAGED_LABEL]: 'true' };
  const annotations = { ...desired.annotations, [DATA_MAC_ANNOTATION]: mac };
  const createdFor = { [CREATED_FOR_ANNOTATION]: createdForValue(input.owner) };
  if (!existing) {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: desired.name,
        namespace: desired.namespace,
        labels,
        annotations: { ...annotations, ...createdFor },
        ...(creationPolicy === 'Owner' ? { ownerReferences: [input.owner] } : {}),
      },
      type: desired.type ?? 'Opaque',
      data: encodeData(desired.data),
      ...(desired.immutable ? { immutable: true } : {}),
    };
    return { action: 'create', body, mac, reason: 'Created' };
  }

  // Only a Secret created for this very resource is replaced; `adopt` may claim one nobody owns.
  const ownership = secretOwnership(existing, input.owner.uid);
  if (ownership.state === 'OwnedByOther') {
    return {
      action: 'blocked',
      reason: 'OwnedByOther',
      message: ownershipRefusal(desired.name, ownership, input.owner.kind),
    };
  }
  const claiming = ownership.state === 'Unowned';
  if (claiming && !input.adopt) {
    const hint = input.hints?.notOwned ?? 'delete it, or set target.creationPolicy to Merge to add keys to it';
    return {
      action: 'blocked',
      reason: 'NotOwned',
      message: `Secret "${desired.name}" already exists and was not created by Lockstep for this ${input.owner.kind}; ${hint}`,
    };
  }

  const actualMac = dataMac(macKey, decodeData(existing.data));
  const dataSame = macEquals(actualMac, mac);
  const metaSame =
    subsetOf(labels, existing.metadata?.labels) &&
    subsetOf(annotations, existing.metadata?.annotations) &&
    (existing.type ?? 'Opaque') === (desired.type ?? 'Opaque') &&
    !claiming &&
    (creationPolicy !== 'Owner' || (ownership.state === 'Ours' && ownership.via === 'ownerReference'));
  if (dataSame && metaSame) return { action: 'none', mac };

  if (existing.immutable) {
    return {
      action: 'blocked',
      reason: 'SecretImmutable',
      message: `Secret "${desired.name}" is immutable and its content changed; delete it so Lockstep can recreate it`,
    };
  }
  const recordedMac = existing.metadata?.annotations?.[DATA_MAC_ANNOTATION];
  const reason: WriteReason = dataSame ? 'MetadataChanged' : macEquals(recordedMac, mac) ? 'Drifted' : 'DataChanged';
  const body: V1Secret = {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata?.labels, ...labels },
      annotations: { ...existing.metadata?.annotations, ...annotations, ...(claiming ? createdFor : {}) },
      ...(creationPolicy === 'Owner'
        ? { ownerReferences: withOwner(existing.metadata?.ownerReferences, input.owner) }
        : {}),
    },
    type: desired.type ?? existing.type ?? 'Opaque',
    data: encodeData(desired.data),
    ...(desired.immutable ? { immutable: true } : {}),
  };
  return { action: 'replace', body, mac, reason };
}

function withOwner(refs: V1OwnerReference[] | undefined, owner: V1OwnerReference): V1OwnerReference[] {
  return [...(refs ?? []).filter((ref) => ref.uid !== owner.uid && !ref.controller), owner];
}
