// --leader-elect: every replica keeps its endpoints up, but only the one holding the Lease
// starts the models (and logs in to Vault, and renews leases).

import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, Logger, Random } from '@lockstep/core';
import type { Flags } from './flags.ts';
import { LEADER_LEASE_NAME, LeaderElector } from './leader/leader-elector.ts';
import { LeaseLock } from './leader/lease-lock.ts';

export interface Leadership {
  kc: KubeConfig;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Starts the models once this replica leads (a failure to start ends the process). */
  start(): void;
  /** True once shutdown began: a lease released on purpose is no reason to exit. */
  shuttingDown(): boolean;
}

export function leaderElector(flags: Flags, how: Leadership): LeaderElector {
  const { log } = how;
  return new LeaderElector({
    lock: new LeaseLock({ kubeConfig: how.kc, namespace: flags.controllerNamespace, name: LEADER_LEASE_NAME }),
    ...(flags.identity ? { identity: flags.identity } : {}),
    leaseDurationMs: flags.leaderLeaseDurationMs,
    renewDeadlineMs: flags.leaderRenewDeadlineMs,
    retryPeriodMs: flags.leaderRetryPeriodMs,
    clock: how.clock,
    random: how.random,
    log,
    onStartedLeading: () => how.start(),
    onStoppedLeading: () => {
      // A replica that lost the lease may hold stale state: exit and come back as a clean standby.
      if (!how.shuttingDown()) {
        log.error('lost the leader lease; exiting so the process restarts clean');
        process.exit(1);
      }
    },
  });
}
