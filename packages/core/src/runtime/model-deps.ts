import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.ts';
import type { Random } from '../clock/random.ts';
import type { ResourceInformer } from '../informer/informer.ts';
import type { KubeAccess } from '../kube/kube-access.ts';
import type { Logger } from '../log/logger.ts';
import type { LockstepMetrics } from '../metrics/metrics.ts';
import type { RolloutRestarter } from '../rollout/rollout-restarter.ts';
import type { SecretApi } from '../writer/secret-api.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { StatusPatcher } from './status-patcher.ts';

/**
 * What the binary builds once and hands to each model: `genericControllers` and
 * `vaultNativeControllers` both take it (their own extras come as a second argument).
 */
export interface ModelDeps {
  kc: KubeConfig;
  clock: Clock;
  random: Random;
  log: Logger;
  metrics: LockstepMetrics;
  kube: KubeAccess;
  secretApi: SecretApi;
  status: StatusPatcher;
  events: EventRecorder;
  rollout: RolloutRestarter;
  /** Key of the HMAC annotations on managed Secrets. */
  macKey: Uint8Array;
  /** The label-filtered Secret informer both models read (started by the caller). */
  managedSecrets: ResourceInformer<V1Secret>;
  /** `--namespace` scope of namespaced kinds; empty: every namespace. */
  watchNamespaces: readonly string[];
  /** `--concurrency`: reconciles at once per kind. */
  concurrency: number;
  /** Budget of one reconcile (`--reconcile-timeout`); the work queue's default (30 s) when absent. */
  reconcileTimeoutMs?: number;
}
