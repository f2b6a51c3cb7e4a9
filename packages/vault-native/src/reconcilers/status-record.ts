// Step "record": one status patch, only when something the user can see changed, so an
// unchanged refresh costs no write.

import {
  type Condition,
  conditionsEqual,
  READY_CONDITION,
  type StatusPatcher,
  type StatusTarget,
  setCondition,
} from '@lockstep/core';

export interface ReadyState {
  ok: boolean;
  reason: string;
  message: string;
}

export function readyConditions(
  current: readonly Condition[] | undefined,
  ready: ReadyState,
  generation: number | undefined,
  now: Date,
): Condition[] {
  return setCondition(
    current,
    {
      type: READY_CONDITION,
      status: ready.ok ? 'True' : 'False',
      reason: ready.reason,
      message: ready.message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    now,
  );
}

/**
 * The Ready reason of a run that changed nothing: the one the last acting run recorded while
 * Ready stays True, else `fallback`. Replacing it ("InitialSync" with "SecretSynced") patched
 * the status once more after every issue or renewal, and that patch's watch event ran the
 * resource again; it also hid why the credential last rotated from `kubectl describe`.
 */
export function keptReadyReason(current: readonly Condition[] | undefined, fallback: string): string {
  const ready = current?.find((c) => c.type === READY_CONDITION);
  return ready?.status === 'True' && ready.reason ? ready.reason : fallback;
}

/** Patches the fields of `next` that differ from `current`; answers whether it wrote. */
export async function patchStatusIfChanged(
  status: StatusPatcher,
  target: StatusTarget,
  current: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): Promise<boolean> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    const before = current?.[key];
    const same =
      key === 'conditions'
        ? conditionsEqual(value as Condition[] | undefined, before as Condition[] | undefined)
        : canonical(value) === canonical(before);
    // Merge patch: null deletes a field.
    if (!same) changed[key] = withDeletions(before, value);
  }
  if (Object.keys(changed).length === 0) return false;
  await status.patchStatus(target, changed);
  return true;
}

/**
 * A merge patch keeps fields the new value leaves out: mark them null so the stored object
 * equals `after` (the lease ledger must never keep a stale field such as lastRenewedAt).
 */
export function withDeletions(before: unknown, after: unknown): unknown {
  if (after === undefined) return null;
  if (!isPlainObject(after) || !isPlainObject(before)) return after;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (!(key in after) || after[key] === undefined) out[key] = null;
  for (const [key, value] of Object.entries(after)) {
    if (value !== undefined) out[key] = withDeletions(before[key], value);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
        : v,
    ) ?? 'undefined'
  );
}
