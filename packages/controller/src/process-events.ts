// What the process itself hears: stray rejections and the signals that end it.

import { describeUnexpected, type LockstepMetrics, type Logger } from '@lockstep/core';

/**
 * A rejection nobody awaited is a bug, not a reason to stop serving every other tenant: log
 * where it came from (never its message, which may quote a value), count it, and go on.
 */
export function surviveStrayRejections(log: Logger, metrics: LockstepMetrics): void {
  process.on('unhandledRejection', (reason) => {
    metrics.unexpectedErrors.add(1, { origin: 'unhandledRejection' });
    log.error({ error: describeUnexpected(reason) }, 'unhandled rejection (a bug): logged, counted and survived');
  });
}

/** Resolves with the first SIGTERM or SIGINT. */
export function terminationSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
