// Waiting for a resource's Ready condition as a user reads it from the API server.

import { type Harness, readyOf, waitFor } from './harness.ts';

/** Waits until `kind` `namespace/name` reports Ready=`status` (with `reason`, when given); answers the condition. */
export function waitForReady(
  h: Harness,
  kind: string,
  namespace: string,
  name: string,
  status: 'True' | 'False',
  reason?: string,
) {
  return waitFor(`${kind} ${namespace}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
    const ready = readyOf(await h.getObject(kind, namespace, name));
    return ready?.status === status && (!reason || ready.reason === reason) ? ready : undefined;
  });
}
