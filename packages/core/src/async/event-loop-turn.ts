// One event-loop turn per caller. `await new Promise(setImmediate)` alone does not separate
// callers: Node runs every immediate queued before its check phase in that one phase, so a
// burst of 200 watch events still ran 200 reconciles' synchronous parts back to back (one
// object's 50 ms template after another's) before a timer, a probe or a socket got a turn.
// Here one shared immediate lets one waiter go, then queues the next immediate, which Node
// runs on the following turn: between two waiters the loop runs timers and polls I/O.

const waiters: Array<() => void> = [];
/** Index of the next waiter to let go (the array is compacted when it drains). */
let head = 0;
let scheduled = false;

/** Resolves on an event-loop turn of its own, after the callers that asked before it. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiters.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(release);
    }
  });
}

function release(): void {
  const resolve = waiters[head];
  head += 1;
  if (head < waiters.length) {
    setImmediate(release);
  } else {
    waiters.length = 0;
    head = 0;
    scheduled = false;
  }
  resolve?.();
}

/**
 * For a loop of synchronous steps that may each take a while (templates, each bounded by its
 * own limits): `await pace()` before a step waits for a turn of its own once the steps since
 * the last turn took `sliceMs`, so N bounded steps never add up to one long stall.
 */
export function pacer(sliceMs: number, now: () => number = () => performance.now()): () => Promise<void> {
  let since = now();
  return async () => {
    if (now() - since < sliceMs) return;
    await nextTurn();
    since = now();
  };
}
