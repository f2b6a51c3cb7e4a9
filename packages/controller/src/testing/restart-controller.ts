// A controller restart as a test sees it: the file's controller stops, a new process starts on
// the same cluster and has looked at the ExternalSecrets (its first list queues every one).

import { join } from 'node:path';
import { type ControllerUnderTest, startControllerUnderTest } from './controller-under-test.ts';
import { counterValue } from './counter-value.ts';
import type { E2e } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

/** Stops `e.controller` and answers the restarted one (the caller stops it), once it reconciled ExternalSecrets. */
export async function restartController(e: E2e): Promise<ControllerUnderTest> {
  await e.controller.stop();
  const restarted = startControllerUnderTest({
    kubeconfigPath: e.kubeconfigPath,
    controllerNamespace: e.controllerNamespace,
    logFile: join(e.dir, 'controller-restarted.log'),
    args: ['--enable-generic'],
  });
  await restarted.ready();
  await waitFor(
    'the restarted controller reconciled ExternalSecrets',
    async () => counterValue(await restarted.metrics(), 'lockstep_reconcile_total', { kind: 'ExternalSecret' }) >= 1,
    20_000,
  );
  return restarted;
}
