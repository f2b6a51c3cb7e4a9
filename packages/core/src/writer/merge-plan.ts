// creationPolicy Merge (and VSO `destination.create: false`): write the rendered keys into a
// Secret somebody else created, and only those. The Secret is never claimed (no managed label,
// no ownerReference, no created-for annotation); the keys written are recorded in this
// resource's own annotation (merge.lockstep.dev/<uid>), so a later write removes exactly the
// keys this resource wrote and no longer renders, and two resources never write one key.

import type { V1Secret } from '@kubernetes/client-node';
import { dataMac, macEquals } from './data-mac.ts';
import { DATA_MAC_ANNOTATION, MANAGED_LABEL } from './labels.ts';
import { decodeData, encodeData } from './secret-encoding.ts';
import { mergeAnnotation, mergeRecords, secretOwnership } from './secret-ownership.ts';
import type { WritePlan, WritePlanInput, WriteReason } from './secret-plan.ts';

export function planMerge(input: WritePlanInput): WritePlan {
  const { desired, existing, macKey, owner } = input;
  const mac = dataMac(macKey, desired.data);
  if (!existing) {
    const hint =
      input.hints?.missing ?? 'creationPolicy Merge only adds keys to an existing Secret: create it first or use Owner';
    return { action: 'blocked', reason: 'SecretMissing', message: `Secret "${desired.name}" does not exist; ${hint}` };
  }
  const ownership = secretOwnership(existing, owner.uid);
  if (ownership.state === 'OwnedByOther') {
    return {
      action: 'blocked',
      reason: 'OwnedByOther',
      message: `Secret "${desired.name}" belongs to ${ownership.owner}, which rewrites it; merging keys into it would fight its owner on every refresh: merge into a Secret no other resource owns`,
    };
  }
  const records = mergeRecords(existing);
  const keys = Object.keys(desired.data).sort();
  for (const [uid, record] of records) {
    const clash = uid === owner.uid ? undefined : keys.find((k) => record.keys.includes(k));
    if (clash !== undefined) {
      return {
        action: 'blocked',
        reason: 'KeyConflict',
        message: `key "${clash}" of Secret "${desired.name}" is already written by ${record.owner}; two resources writing one key would overwrite each other on every refresh: write it from one of them only`,
      };
    }
  }

  const current = decodeData(existing.data);
  const next = { ...current };
  const mine = records.get(owner.uid);
  for (const key of mine?.keys ?? []) if (!(key in desired.data)) delete next[key];
  Object.assign(next, desired.data);

  // Lockstep's own marks never come from the template: a merged-into Secret is not claimed.
  const annotations = { ...existing.metadata?.annotations, ...without(desired.annotations, DATA_MAC_ANNOTATION) };
  const recordKey = mergeAnnotation(owner.uid);
  if (keys.length > 0) {
    annotations[recordKey] = JSON.stringify({ owner: `${owner.kind}/${owner.name}`, keys, mac });
  } else {
    delete annotations[recordKey];
  }
  const labels = { ...existing.metadata?.labels, ...without(desired.labels, MANAGED_LABEL) };

  const dataSame = macEquals(dataMac(macKey, next), dataMac(macKey, current));
  const metaSame = sameMap(annotations, existing.metadata?.annotations) && sameMap(labels, existing.metadata?.labels);
  if (dataSame && metaSame) return { action: 'none', mac };
  if (existing.immutable) {
    return {
      action: 'blocked',
      reason: 'SecretImmutable',
      message: `Secret "${desired.name}" is immutable; Lockstep cannot merge keys into it`,
    };
  }
  const reason: WriteReason = dataSame ? 'MetadataChanged' : macEquals(mine?.mac, mac) ? 'Drifted' : 'DataChanged';
  const body: V1Secret = {
    ...existing,
    metadata: { ...existing.metadata, labels, annotations },
    data: encodeData(next),
  };
  return { action: 'replace', body, mac, reason };
}

function without(map: Record<string, string> | undefined, key: string): Record<string, string> {
  const { [key]: _dropped, ...rest } = map ?? {};
  return rest;
}

function sameMap(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  const other = b ?? {};
  const keys = Object.keys(a);
  return keys.length === Object.keys(other).length && keys.every((k) => other[k] === a[k]);
}
