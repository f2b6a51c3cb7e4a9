// Concurrent reads must all be awaited, each with its rejection handled. `Promise.all` stops
// at the first rejection and leaves the others running with nobody waiting for them; a
// promise created and awaited only later (after another await that threw) is not even
// watched, and Node ends the process on its unhandled rejection. `awaitAll` watches every
// promise from the start and returns only when all of them settled, so no read outlives
// the reconcile that started it.

/**
 * Waits until every promise settled; answers their values in order, or throws the first
 * rejection in list order (not in time order, so the error a user sees is stable).
 */
export async function awaitAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const values: unknown[] = [];
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values as { -readonly [K in keyof T]: Awaited<T[K]> };
}
