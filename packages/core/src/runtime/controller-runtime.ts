import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.ts';
import type { Random } from '../clock/random.ts';
import type { ResourceInformer } from '../informer/informer.ts';
import type { KubeAccess } from '../kube/kube-access.ts';
import type { RolloutRestarter } from '../rollout/rollout-restarter.ts';
import type { SecretApi } from '../writer/secret-api.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { StatusPatcher } from './status-patcher.ts';

/** What the binary builds once and hands to both models: one of each per process. */
export interface ControllerRuntime {
  kc: KubeConfig;
  clock: Clock;
  random: Random;
  kube: KubeAccess;
  secretApi: SecretApi;
  status: StatusPatcher;
  events: EventRecorder;
  rollout: RolloutRestarter;
  /** Key of the HMAC annotations on managed Secrets. */
  macKey: Uint8Array;
  /** The label-filtered Secret informer the controller already runs (started by the caller). */
  managedSecrets: ResourceInformer<V1Secret>;
  /** Budget of one reconcile (`--reconcile-timeout`); the work queue's default (30 s) when absent. */
  reconcileTimeoutMs?: number;
}
