// rolloutRestartTargets (VSO semantics, shared by both models): after a rotation the
// workloads that read the Secret are restarted by patching their pod template, and the
// lease engine waits for the rollout to finish before it revokes the previous credential.

import type { KubernetesObject } from '@kubernetes/client-node';

export type RolloutTargetKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'argo.Rollout';

export interface RolloutTarget {
  kind: RolloutTargetKind;
  name: string;
}

export const TARGET_API: Record<RolloutTargetKind, { apiVersion: string; kind: string }> = {
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  StatefulSet: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  DaemonSet: { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  'argo.Rollout': { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' },
};

/**
 * The restart value: the rotation's time plus its id, so two rotations never share a value
 * (a repeated value would not change the pod template and nothing would restart), while
 * re-applying the same rotation after a controller restart is idempotent.
 */
export function restartValue(now: Date, rotationId: string): string {
  return `${now.toISOString()}.${rotationId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
}

/** The merge patch that restarts one target. */
export function restartPatch(target: RolloutTarget, value: string, annotation: string): object {
  if (target.kind === 'argo.Rollout') {
    // Argo Rollouts restarts pods through spec.restartAt (an RFC 3339 time), not the template.
    return { spec: { restartAt: value.slice(0, 24) } };
  }
  return { spec: { template: { metadata: { annotations: { [annotation]: value } } } } };
}

export type RolloutState = 'Complete' | 'Progressing' | 'Missing';

interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentNumberScheduled?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  phase?: string;
}

/** Reads rollout completion the way `kubectl rollout status` does. */
export function rolloutState(target: RolloutTarget, obj: KubernetesObject | undefined): RolloutState {
  if (!obj) return 'Missing';
  const o = obj as KubernetesObject & { spec?: { replicas?: number }; status?: WorkloadStatus };
  const status = o.status ?? {};
  const generation = o.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return 'Progressing';
  switch (target.kind) {
    case 'DaemonSet': {
      const desired = status.desiredNumberScheduled ?? 0;
      return (status.updatedNumberScheduled ?? 0) >= desired && (status.numberAvailable ?? 0) >= desired
        ? 'Complete'
        : 'Progressing';
    }
    case 'argo.Rollout':
      return status.phase === 'Healthy' ? 'Complete' : 'Progressing';
    default: {
      const want = o.spec?.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      const ready = target.kind === 'StatefulSet' ? (status.readyReplicas ?? 0) : (status.availableReplicas ?? 0);
      return updated >= want && ready >= want && (status.replicas ?? 0) <= want ? 'Complete' : 'Progressing';
    }
  }
}
