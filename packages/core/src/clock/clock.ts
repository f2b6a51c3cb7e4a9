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

/** Node's setTimeout limit (2^31-1 ms, about 24.8 days); past it Node fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay Node's setTimeout honours. Node turns NaN and anything past MAX_TIMER_MS into 1 ms,
 * so a refreshInterval of 30d, or a NaN computed from a hostile spec, would become a hot loop:
 * NaN waits as long as a timer can, and long delays are served in MAX_TIMER_MS steps.
 */
export function timerDelay(delayMs: number): number {
  if (Number.isNaN(delayMs)) return MAX_TIMER_MS;
  return Math.min(Math.max(0, delayMs), MAX_TIMER_MS);
}

export const realClock: Clock = {
  now: () => new Date(),
  setTimer(callback, delayMs) {
    let handle: NodeJS.Timeout;
    const arm = (remainingMs: number) => {
      const step = timerDelay(remainingMs);
      handle = setTimeout(() => {
        if (Number.isFinite(remainingMs) && remainingMs > step) {
          arm(remainingMs - step);
          return;
        }
        try {
          callback();
        } catch (err) {
          // A throw in a background timer would be an uncaught exception, which ends the
          // process. Raised as a rejection instead, it reaches the process-level handler
          // that logs and counts it (main.ts), and the controller goes on.
          void Promise.reject(err);
        }
      }, step);
      // A pending requeue or restart must not hold a stopping controller open.
      handle.unref();
    };
    arm(delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(delayMs, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      // Kept referenced: a caller that sleeps is waiting on purpose.
      const handle = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, timerDelay(delayMs));
      const onAbort = () => {
        clearTimeout(handle);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
