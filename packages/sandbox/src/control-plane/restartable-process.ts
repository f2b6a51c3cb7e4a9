// A control-plane component a test can take down and bring back (an API server or etcd
// outage): the same command line each time, so the port, data dir and certificates stay and
// every client's address stays valid.

import type { PeerProcess } from '../peers/peer-process.ts';

export interface ComponentControl {
  /** SIGTERM (SIGKILL after the peer's grace period); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again as it was first started; resolves once it is ready. Running already: nothing. */
  start(): Promise<void>;
  running(): boolean;
}

/** `first` is the running process; `again` starts the same command line. Calls run one at a time. */
export function restartable(first: PeerProcess, again: () => Promise<PeerProcess>): ComponentControl {
  let current: PeerProcess | undefined = first;
  let queue: Promise<unknown> = Promise.resolve();
  // A stop during a start must wait for it, or the started process would outlive the stop.
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const next = queue.then(fn);
    queue = next.catch(() => {});
    return next;
  };
  return {
    stop: () =>
      serial(async () => {
        const p = current;
        current = undefined;
        await p?.stop();
      }),
    start: () =>
      serial(async () => {
        current ??= await again();
      }),
    running: () => current !== undefined,
  };
}
