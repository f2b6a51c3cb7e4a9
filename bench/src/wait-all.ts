// Waiting for a condition over many watched objects, as every scenario does: the time the
// last one became true, or the count reached when the timeout (or a stall) ended the wait.

export interface WaitAllResult {
  /** performance.now() at which the last key became done; undefined when the wait gave up. */
  completedAt: number | undefined;
  done: number;
  stalled?: boolean;
}

export async function waitAll(
  keys: readonly string[],
  done: (key: string) => boolean,
  at: (key: string) => number,
  timeoutMs: number,
  onProgress?: (doneCount: number) => void,
  /** Give up early when the count has not moved for this long (a stalled controller). */
  stallMs?: number,
): Promise<WaitAllResult> {
  const deadline = performance.now() + timeoutMs;
  let lastProgress = performance.now();
  let lastCount = -1;
  let lastMove = performance.now();
  for (;;) {
    let count = 0;
    let latest = 0;
    for (const k of keys) {
      if (!done(k)) continue;
      count++;
      latest = Math.max(latest, at(k));
    }
    if (count === keys.length) return { completedAt: latest, done: count };
    if (performance.now() > deadline) return { completedAt: undefined, done: count };
    if (count !== lastCount) {
      lastCount = count;
      lastMove = performance.now();
    } else if (stallMs !== undefined && performance.now() - lastMove > stallMs) {
      return { completedAt: undefined, done: count, stalled: true };
    }
    if (onProgress && performance.now() - lastProgress > 10_000) {
      lastProgress = performance.now();
      onProgress(count);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
