// For the tests that bound how long one call on user input (a regular expression, a template)
// may hold the event loop; exported from core for the other packages' tests, as FakeClock is.
// Measured as CPU time of the calling thread: a synchronous call holds the loop exactly while
// it computes, and on a shared two-core test machine other processes inflate wall time without
// the call doing any more work. A backtracking blow-up still shows as seconds of CPU.

export interface EventLoopHold {
  /** Milliseconds of this thread's CPU time the call used. */
  ms: number;
  /** What the call threw, if it threw. */
  error: unknown;
}

export function measureEventLoopHold(run: () => unknown): EventLoopHold {
  const start = process.threadCpuUsage();
  let error: unknown;
  try {
    run();
  } catch (err) {
    error = err;
  }
  const used = process.threadCpuUsage(start);
  return { ms: (used.user + used.system) / 1000, error };
}
