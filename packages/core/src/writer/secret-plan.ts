// Decides what the Secret writer must do, without I/O. The reconciler gives it the desired
// content and the Secret as it is now; the plan says whether to create, replace or leave it.

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { dataMac, macEquals } from './data-mac.ts';
import { DATA_MAC_ANNOTATION, MANAGED_LABEL } from './labels.ts';

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
  /** Required for `Owner`: the resource the Secret belongs to (garbage-collected with it). */
  owner?: V1OwnerReference;
  /** The Secret as it is now, or undefined when it does not exist. */
  existing: V1Secret | undefined;
  macKey: Uint8Array;
}

export type WriteReason = 'Created' | 'DataChanged' | 'MetadataChanged' | 'Drifted';

export type WritePlan =
  | { action: 'none'; mac: string }
  | { action: 'create'; body: V1Secret; mac: string; reason: WriteReason }
  | { action: 'replace'; body: V1Secret; mac: string; reason: WriteReason }
  /** Nothing can be written; `message` says what the user must fix. */
  | { action: 'blocked'; reason: 'SecretMissing' | 'SecretImmutable' | 'NotOwned'; message: string };

export function planSecretWrite(input: WritePlanInput): WritePlan {
  const { desired, creationPolicy, existing, macKey } = input;
  if (creationPolicy === 'None') return { action: 'none', mac: dataMac(macKey, desired.data) };

  if (creationPolicy === 'Merge') return planMerge(input);

  const mac = dataMac(macKey, desired.data);
  const labels = { ...desired.labels, [MANAGED_LABEL]: 'true' };
  const annotations = { ...desired.annotations, [DATA_MAC_ANNOTATION]: mac };
  if (!existing) {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: desired.name,
        namespace: desired.namespace,
        labels,
        annotations,
        ...(creationPolicy === 'Owner' && input.owner ? { ownerReferences: [input.owner] } : {}),
      },
      type: desired.type ?? 'Opaque',
      data: encodeData(desired.data),
      ...(desired.immutable ? { immutable: true } : {}),
    };
    return { action: 'create', body, mac, reason: 'Created' };
  }

  if (
    creationPolicy === 'Owner' &&
    !isOwnedBy(existing, input.owner) &&
    existing.metadata?.labels?.[MANAGED_LABEL] !== 'true'
  ) {
    return {
      action: 'blocked',
      reason: 'NotOwned',
      message: `Secret "${desired.name}" already exists and is not managed by Lockstep; delete it, or set target.creationPolicy to Merge to add keys to it`,
    };
  }

  const actualMac = dataMac(macKey, decodeData(existing.data));
  const dataSame = macEquals(actualMac, mac);
  const metaSame =
    subsetOf(labels, existing.metadata?.labels) &&
    subsetOf(annotations, existing.metadata?.annotations) &&
    (existing.type ?? 'Opaque') === (desired.type ?? 'Opaque') &&
    (creationPolicy !== 'Owner' || !input.owner || isOwnedBy(existing, input.owner));
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
      annotations: { ...existing.metadata?.annotations, ...annotations },
      ...(creationPolicy === 'Owner' && input.owner
        ? { ownerReferences: withOwner(existing.metadata?.ownerReferences, input.owner) }
        : {}),
    },
    type: desired.type ?? existing.type ?? 'Opaque',
    data: encodeData(desired.data),
    ...(desired.immutable ? { immutable: true } : {}),
  };
  return { action: 'replace', body, mac, reason };
}

/** Merge adds the desired keys to a Secret somebody else created, and never creates it. */
function planMerge(input: WritePlanInput): WritePlan {
  const { desired, existing, macKey } = input;
  if (!existing) {
    return {
      action: 'blocked',
      reason: 'SecretMissing',
      message: `Secret "${desired.name}" does not exist; creationPolicy Merge only adds keys to an existing Secret: create it first or use Owner`,
    };
  }
  const current = decodeData(existing.data);
  const merged = { ...current, ...desired.data };
  const mac = dataMac(macKey, desired.data);
  const mergedMac = dataMac(macKey, merged);
  const labelled = existing.metadata?.labels?.[MANAGED_LABEL] === 'true';
  if (macEquals(mergedMac, dataMac(macKey, current)) && labelled) return { action: 'none', mac };
  if (existing.immutable) {
    return {
      action: 'blocked',
      reason: 'SecretImmutable',
      message: `Secret "${desired.name}" is immutable; Lockstep cannot merge keys into it`,
    };
  }
  const body: V1Secret = {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata?.labels, ...desired.labels, [MANAGED_LABEL]: 'true' },
      annotations: { ...existing.metadata?.annotations, ...desired.annotations, [DATA_MAC_ANNOTATION]: mac },
    },
    data: encodeData(merged),
  };
  return { action: 'replace', body, mac, reason: 'DataChanged' };
}

export function encodeData(data: Record<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) out[key] = Buffer.from(data[key]!).toString('base64');
  return out;
}

export function decodeData(data: Record<string, string> | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(data ?? {})) out[key] = Buffer.from(value, 'base64');
  return out;
}

function subsetOf(want: Record<string, string>, have: Record<string, string> | undefined): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

function isOwnedBy(secret: V1Secret, owner: V1OwnerReference | undefined): boolean {
  return !!owner && (secret.metadata?.ownerReferences ?? []).some((ref) => ref.uid === owner.uid);
}

function withOwner(refs: V1OwnerReference[] | undefined, owner: V1OwnerReference): V1OwnerReference[] {
  return [...(refs ?? []).filter((ref) => ref.uid !== owner.uid && !ref.controller), owner];
}
