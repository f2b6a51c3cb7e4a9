// A hook for provider call metrics (ESO's `externalsecret_provider_api_calls_count`): each
// backend call reports its operation and outcome; the controller turns it into a counter.

import { BackendError, type ErrorClass } from '@lockstep/core';

export type CallResult = 'success' | ErrorClass;
export type CallObserver = (operation: string, result: CallResult) => void;

/** Runs one backend call, classifies its failure with `classify`, and reports the outcome. */
export async function observed<T>(
  onCall: CallObserver | undefined,
  operation: string,
  call: () => Promise<T>,
  classify: (err: unknown) => BackendError,
): Promise<T> {
  try {
    const result = await call();
    onCall?.(operation, 'success');
    return result;
  } catch (err) {
    const classified = err instanceof BackendError ? err : classify(err);
    onCall?.(operation, classified.errorClass);
    throw classified;
  }
}
