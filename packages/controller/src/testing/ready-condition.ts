// The Ready condition every Lockstep resource reports, and waiting for it with the last
// status in the failure message (the first thing to read when a test times out).

import type { Obj } from './external-resources.ts';
import { waitFor } from './wait-for.ts';

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function readyOf(obj: Obj | undefined): Condition | undefined {
  return (obj?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
}

/** Waits until `read()` answers an object whose Ready condition `accept`s; answers both. */
export async function waitForReadyCondition(
  what: string,
  read: () => Promise<Obj | undefined>,
  accept: (ready: Condition) => boolean,
  timeoutMs?: number,
): Promise<{ obj: Obj; ready: Condition }> {
  let last: Obj | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await read();
        const ready = readyOf(last);
        return last && ready && accept(ready) ? { obj: last, ready } : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; status: ${JSON.stringify(last?.status)}`);
  }
}
