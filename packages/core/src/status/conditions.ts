// Condition bookkeeping with metav1.Condition semantics: lastTransitionTime moves only
// when status flips, so "Ready since" in `kubectl describe` stays meaningful across the
// many reconciles that merely refresh the message.
import type { Condition } from '../api/conditions.ts';
import { scrubMessageHead } from './sensitive-values.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  /** CamelCase, as metav1 requires (e.g. `SecretSynced`, `LeaseRenewalDue`). */
  reason: string;
  message?: string;
  observedGeneration?: number;
}

export const READY = 'Ready';

// metav1.Condition's validation, so a bad reason fails here instead of at the API server.
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const MAX_REASON = 1024;
export const MAX_CONDITION_MESSAGE = 32768;

/**
 * Returns a new condition list with `update` applied. An unchanged condition keeps its
 * lastTransitionTime; a status change sets it to `now`. Other conditions and the order
 * of the list are kept, so a caller can compare before and after to skip a no-op patch.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  if (!REASON.test(update.reason) || update.reason.length > MAX_REASON) {
    throw new TypeError(`condition reason must be CamelCase (metav1.Condition), got ${JSON.stringify(update.reason)}`);
  }
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    // Every condition of every kind is written here: the scrub cannot be bypassed by a reconciler.
    message: truncate(scrubMessageHead(update.message ?? '', MAX_CONDITION_MESSAGE), MAX_CONDITION_MESSAGE),
    lastTransitionTime:
      existing && existing.status === update.status && existing.lastTransitionTime
        ? existing.lastTransitionTime
        : rfc3339Seconds(now),
  };
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  if (!existing) return [...list, next];
  return list.map((c) => (c === existing ? next : c));
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Drops a condition type (e.g. one a newer version no longer sets). */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * True when the object's Ready condition is True. With `generation`, it must also have
 * been observed for that generation: a Ready from an older spec does not count.
 */
export function isReady(obj: {
  metadata?: { generation?: number };
  status?: { conditions?: readonly Condition[] };
}): boolean {
  const ready = getCondition(obj.status?.conditions, READY);
  if (ready?.status !== 'True') return false;
  const generation = obj.metadata?.generation;
  return generation === undefined || ready.observedGeneration === undefined || ready.observedGeneration >= generation;
}

/** Whether two condition lists say the same thing (order-insensitive). */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((c) => {
    const other = getCondition(right, c.type);
    return (
      other !== undefined &&
      other.status === c.status &&
      (other.reason ?? '') === (c.reason ?? '') &&
      (other.message ?? '') === (c.message ?? '') &&
      other.lastTransitionTime === c.lastTransitionTime &&
      other.observedGeneration === c.observedGeneration
    );
  });
}

// Kubernetes stores metav1.Time with second precision; writing milliseconds would make
// every comparison with the stored value differ.
function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
