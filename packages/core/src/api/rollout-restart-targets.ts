// `rolloutRestartTargets` (VSO field, also a Lockstep extension on ExternalSecret):
// workloads in the same namespace restarted after the synced Secret changes.

import { type Static, Type } from 'typebox';
import { StringEnum } from './schema-helpers.ts';

export const ROLLOUT_RESTART_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'argo.Rollout'] as const;

export const RolloutRestartTargetSchema = Type.Object(
  {
    kind: StringEnum(ROLLOUT_RESTART_KINDS),
    name: Type.String({ minLength: 1 }),
  },
  {
    description:
      'A workload of the same namespace whose pod template annotation `lockstep.dev/restartedAt` is set to a value unique to each rotation.',
  },
);
export type RolloutRestartTarget = Static<typeof RolloutRestartTargetSchema>;

export const RolloutRestartTargetsSchema = Type.Array(RolloutRestartTargetSchema, {
  description: 'Workloads restarted after the Secret changes; same namespace only.',
});
