// Time is injected everywhere so tests can drive it with FakeClock instead of waiting.

export interface Timer {
  /** Stops the timer; calling it after the timer fired does nothing. */
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** Runs `callback` once after `delayMs`. Background timers never keep the process alive. */
  setTimer(callback: () => void, delayMs: number): Timer;
  /** Resolves after `delayMs`; rejects with the signal's reason if it aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(
      () => {
        try {
          callback();
        } catch (err) {
          // A throw in a background timer would be an uncaught exception, which ends the
          // process. Raised as a rejection instead, it reaches the process-level handler
          // that logs and counts it (main.ts), and the controller goes on.
          void Promise.reject(err);
        }
      },
      Math.max(0, delayMs),
    );
    // A pending requeue or restart must not hold a stopping controller open.
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(delayMs, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      // Kept referenced: a caller that sleeps is waiting on purpose.
      const handle = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, delayMs),
      );
      const onAbort = () => {
        clearTimeout(handle);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
