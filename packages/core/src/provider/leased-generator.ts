// A generator whose values carry a lease (ESO's VaultDynamicSecret generator). Unlike a plain
// Generator it is not asked for fresh values at every refresh: the consumer (an ExternalSecret)
// keeps the lease ledger in its own status and hands it back on every run, and the generator
// decides, on the lease engine, whether to renew, re-issue or revoke. Implemented by
// vault-native; the generic pipeline only sees this interface.

import type { LeaseLedger } from '../api/lease-ledger.ts';
import type { KubeAccess } from '../kube/kube-access.ts';
import type { RolloutState } from '../rollout/rollout-targets.ts';
import type { SecretMap } from './provider.ts';

export interface LeasedSourceRun {
  /** Namespace of the consumer: where the generator's auth references resolve. */
  namespace: string;
  /** Stable per source (`ExternalSecret/ns/name/dataFrom[0]`): its jitter slot and its name in logs. */
  key: string;
  /** The generator object's spec, as read from the API server. */
  spec: unknown;
  /** What the consumer recorded last (undefined: nothing issued yet). */
  ledger: LeaseLedger | undefined;
  /** Issue a fresh credential now whatever the ledger says (`SpecChanged`, or the target lost it: `TargetDrifted`). */
  reissue?: 'SpecChanged' | 'TargetDrifted';
  /** Whether the consumer restarts workloads after a rotation (superseded leases then wait for the rollout). */
  hasTargets: boolean;
  /** Their rollout state, asked only while a superseded lease waits for it. */
  rollout?: RolloutState;
  kube: KubeAccess;
  /** The consumer's clock and randomness (tests inject both). */
  now(): Date;
  random(): number;
}

export interface LeasedSourceResult {
  /** The ledger to record, whole, in the consumer's status (in the same patch as the Secret's MAC). */
  ledger: LeaseLedger | undefined;
  /** A new credential: write it, then restart the targets with `restartValue`. */
  issued?: { data: SecretMap; reason: string; restartValue: string };
  renewed?: { capped: boolean };
  /** Lease IDs revoked in this run (superseded ones whose rollout finished). */
  revoked: string[];
  /** When the lease needs the engine next (renewal, re-issue, revocation); undefined: nothing pending. */
  next: Date | undefined;
  /** The first failure; the ledger still records what succeeded. Never carries a secret value. */
  error?: unknown;
}

export interface LeasedGenerator {
  /** The generator kind it serves, e.g. `VaultDynamicSecret`. */
  readonly kind: string;
  /** What is wrong with the spec, for the condition (empty: nothing). */
  validateSpec(spec: unknown, namespace: string): string[];
  /** One run of the lease engine for one source. */
  sync(run: LeasedSourceRun): Promise<LeasedSourceResult>;
  /** Revokes every lease the ledger holds (its consumer is being deleted); answers the lease IDs. */
  release(run: Pick<LeasedSourceRun, 'namespace' | 'spec' | 'ledger' | 'kube'>): Promise<string[]>;
}
