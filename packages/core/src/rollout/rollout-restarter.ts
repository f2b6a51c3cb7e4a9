import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { isNotFound } from '../errors/backend-error.ts';
import { kubeCall } from '../errors/kube-call.ts';
import { RESTARTED_AT_ANNOTATION } from '../writer/labels.ts';
import { type RolloutState, type RolloutTarget, restartPatch, rolloutState, TARGET_API } from './rollout-targets.ts';

/** Restarts workloads and reports whether their rollouts finished. Same namespace only. */
export interface RolloutRestarter {
  restart(namespace: string, targets: RolloutTarget[], value: string): Promise<void>;
  state(namespace: string, targets: RolloutTarget[]): Promise<RolloutState>;
}

export function clientRolloutRestarter(kc: KubeConfig): RolloutRestarter {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const ref = (namespace: string, target: RolloutTarget) => ({
    ...TARGET_API[target.kind],
    metadata: { name: target.name, namespace },
  });

  return {
    async restart(namespace, targets, value) {
      for (const target of targets) {
        const body = { ...ref(namespace, target), ...restartPatch(target, value, RESTARTED_AT_ANNOTATION) };
        await kubeCall({ verb: 'restart', kind: target.kind, name: target.name, namespace }, () =>
          api.patch(body as KubernetesObject, undefined, undefined, 'lockstep', undefined, PatchStrategy.MergePatch),
        );
      }
    },
    async state(namespace, targets) {
      let all: RolloutState = 'Complete';
      for (const target of targets) {
        const about = { verb: 'read', kind: target.kind, name: target.name, namespace };
        const obj = await kubeCall(about, () => api.read(ref(namespace, target))).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        const state = rolloutState(target, obj);
        if (state === 'Progressing') return 'Progressing';
        if (state === 'Missing') all = 'Missing';
      }
      return all;
    },
  };
}
