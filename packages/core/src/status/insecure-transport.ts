// The InsecureTransport warning condition both models set on an object whose endpoint
// carries credentials in cleartext. It exists only while there is something to warn about,
// and its Warning event goes out once, when it turns True.
import type { Condition } from '../api/conditions.ts';
import { getCondition, removeCondition, setCondition } from './conditions.ts';

export const INSECURE_TRANSPORT = 'InsecureTransport';

/** `current` with InsecureTransport=True (reason CleartextHTTP) for `warning`, or without it. */
export function withTransportCondition(
  current: readonly Condition[] | undefined,
  warning: string | undefined,
  generation: number | undefined,
  now: Date,
): Condition[] {
  if (!warning) return removeCondition(current, INSECURE_TRANSPORT);
  return setCondition(
    current,
    {
      type: INSECURE_TRANSPORT,
      status: 'True',
      reason: 'CleartextHTTP',
      message: warning,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    },
    now,
  );
}

/** Whether the warning deserves its event now: there is one, and `before` did not say so yet. */
export function insecureTransportIsNew(before: readonly Condition[] | undefined, warning: string | undefined): boolean {
  return warning !== undefined && getCondition(before, INSECURE_TRANSPORT)?.status !== 'True';
}
