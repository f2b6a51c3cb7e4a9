// Whose a Secret is, decided without I/O. Lockstep replaces, empties or deletes a Secret only
// when it was created for that very resource: its controller ownerReference carries the
// resource's uid (creationPolicy Owner, VSO `create: true`), or, when it has no controller
// ownerReference at all, the created-for annotation does (creationPolicy Orphan, which by
// definition leaves no ownerReference). The managed label proves nothing: it only selects what
// the informer watches, and anybody can set it.
//
// Writers that merge into somebody else's Secret (creationPolicy Merge, VSO `create: false`)
// never claim it: they record the keys they wrote in an annotation of their own, so they can
// remove exactly those keys later and so two of them never fight over one key.

import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';

/** `<Kind>/<name>/<uid>` of the resource an Orphan (or any) Secret was created for. */
export const CREATED_FOR_ANNOTATION = 'lockstep.dev/created-for';
/** `merge.lockstep.dev/<uid>`: the keys that resource merged into the Secret (see MergeRecord). */
export const MERGE_ANNOTATION_PREFIX = 'merge.lockstep.dev/';

/** Who the Secret belongs to, from the point of view of the resource with `uid`. */
export type Ownership =
  | { state: 'Absent' }
  | { state: 'Ours'; via: 'ownerReference' | 'annotation' }
  /** `owner` names the other resource (`Kind/name`) for the condition message. */
  | { state: 'OwnedByOther'; owner: string }
  /** Nobody's: a user's Secret, or one an older Lockstep labelled without recording for whom. */
  | { state: 'Unowned' };

export function secretOwnership(secret: V1Secret | undefined, uid: string): Ownership {
  if (!secret) return { state: 'Absent' };
  const controller = secret.metadata?.ownerReferences?.find((ref) => ref.controller);
  if (controller) {
    return controller.uid === uid
      ? { state: 'Ours', via: 'ownerReference' }
      : { state: 'OwnedByOther', owner: `${controller.kind}/${controller.name}` };
  }
  const createdFor = parseCreatedFor(secret.metadata?.annotations?.[CREATED_FOR_ANNOTATION]);
  if (createdFor) {
    return createdFor.uid === uid
      ? { state: 'Ours', via: 'annotation' }
      : { state: 'OwnedByOther', owner: createdFor.owner };
  }
  return { state: 'Unowned' };
}

export function createdForValue(owner: V1OwnerReference): string {
  return `${owner.kind}/${owner.name}/${owner.uid}`;
}

function parseCreatedFor(value: string | undefined): { owner: string; uid: string } | undefined {
  if (!value) return undefined;
  const parts = value.split('/');
  const uid = parts.pop() ?? '';
  return uid ? { owner: parts.join('/') || `uid ${uid}`, uid } : undefined;
}

/** What one merging resource wrote into a Secret it does not own. */
export interface MergeRecord {
  /** `Kind/name`, for messages. */
  owner: string;
  keys: string[];
  /** HMAC of the values it wrote, to tell a hand edit from a remote change. */
  mac?: string;
}

export function mergeAnnotation(uid: string): string {
  return `${MERGE_ANNOTATION_PREFIX}${uid}`;
}

/** Every merge record on the Secret, by the uid of the resource that wrote it. */
export function mergeRecords(secret: V1Secret | undefined): Map<string, MergeRecord> {
  const out = new Map<string, MergeRecord>();
  for (const [key, value] of Object.entries(secret?.metadata?.annotations ?? {})) {
    if (!key.startsWith(MERGE_ANNOTATION_PREFIX)) continue;
    const record = parseRecord(value);
    if (record) out.set(key.slice(MERGE_ANNOTATION_PREFIX.length), record);
  }
  return out;
}

function parseRecord(value: string): MergeRecord | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<MergeRecord>;
    if (!Array.isArray(parsed.keys) || !parsed.keys.every((k) => typeof k === 'string')) return undefined;
    return {
      owner: typeof parsed.owner === 'string' ? parsed.owner : 'another resource',
      keys: parsed.keys,
      ...(typeof parsed.mac === 'string' ? { mac: parsed.mac } : {}),
    };
  } catch {
    // A hand-edited record is no record: its keys are nobody's, so they are left alone.
    return undefined;
  }
}

/** The values the resource with `uid` merged into the Secret (its recorded keys that are still there). */
export function mergedData(secret: V1Secret | undefined, uid: string): Record<string, string> | undefined {
  const record = mergeRecords(secret).get(uid);
  if (!record) return undefined;
  const data = secret?.data ?? {};
  return Object.fromEntries(record.keys.filter((k) => k in data).map((k) => [k, data[k] as string]));
}

/** A sentence for a condition: why this resource leaves the Secret alone. */
export function ownershipRefusal(name: string, ownership: Ownership, resource: string): string {
  if (ownership.state === 'OwnedByOther') {
    return `Secret "${name}" belongs to ${ownership.owner}; Lockstep never takes over a Secret another resource owns: give this ${resource} another target Secret name, or delete ${ownership.owner} first`;
  }
  return `Secret "${name}" was not created by Lockstep for this ${resource}`;
}
