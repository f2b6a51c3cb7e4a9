// What every Vault-native reconciler is handed: caches to load from, and the few clients
// its act step may use. Time and randomness are injected so tests control both.

import type { V1Secret } from '@kubernetes/client-node';
import type { EventRecorder, Random, RolloutRestarter, SecretApi, StatusPatcher, WriteAnnouncer } from '@lockstep/core';
import type { ObjectCache } from './object-cache.ts';
import type { RecentStatus } from './recent-status.ts';
import type { VaultKind } from './vault-kinds.ts';
import type { SessionDeps } from './vault-session.ts';

export interface VaultNativeContext extends SessionDeps {
  /** Managed Secrets (the label-filtered informer). */
  secrets: ObjectCache<V1Secret>;
  secretApi: SecretApi;
  status: StatusPatcher;
  events: EventRecorder;
  rollout: RolloutRestarter;
  macKey: Uint8Array;
  now(): Date;
  random: Random;
  /** Wakes `key` of `kind` at `at` (the one lease scheduler); an earlier wake-up is replaced. */
  schedule(kind: VaultKind, key: string, at: Date | undefined): void;
  /** Where a lease sits in the jitter band and token re-issue window, stable per key, in [0, 1). */
  position(key: string): number;
  /** The status leased resources last recorded, for while the informer cache lags behind. */
  recent: RecentStatus;
  /** While a rollout is progressing, look again after this long (default 2 s). */
  rolloutPollSeconds?: number;
  /** Grace before revoking a superseded lease when there are no rollout targets. */
  graceSeconds?: number;
  onSecretWrite?(kind: VaultKind, operation: 'create' | 'update'): void;
  onRolloutRestart?(kind: VaultKind): void;
  /** lateSeconds: how long after its due time a granted renewal came back. */
  onLeaseRenewal?(result: 'success' | 'capped' | 'error', lateSeconds?: number): void;
}

/** The after-write step's view of the context, its counters labelled with `kind`. */
export function announcer(kind: VaultKind, ctx: VaultNativeContext): WriteAnnouncer {
  return {
    events: ctx.events,
    rollout: ctx.rollout,
    onSecretWrite: (operation) => ctx.onSecretWrite?.(kind, operation),
    onRolloutRestart: () => ctx.onRolloutRestart?.(kind),
  };
}
