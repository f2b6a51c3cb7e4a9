// Status conditions, one shape for every Lockstep kind. It is metav1.Condition with the
// fields ESO writes (type, status, reason, message, lastTransitionTime) plus
// observedGeneration, so `kubectl wait --for=condition=Ready` works on all of them.

import { type Static, Type } from 'typebox';
import { Int64, StringEnum, Timestamp } from './schema-helpers.ts';

export const ConditionSchema = Type.Object({
  type: Type.String({ description: 'Condition type; every kind has `Ready`.' }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  reason: Type.Optional(Type.String({ description: 'CamelCase reason, e.g. `SecretSynced`.' })),
  message: Type.Optional(Type.String({ description: 'What happened and, on failure, what to fix.' })),
  lastTransitionTime: Type.Optional(Timestamp()),
  observedGeneration: Type.Optional(Int64({ minimum: 0 })),
});
export type Condition = Static<typeof ConditionSchema>;

/** `status.conditions`: a list-map keyed by `type`, so server-side apply merges per condition. */
export const ConditionsSchema = Type.Unsafe<Condition[]>({
  ...Type.Array(ConditionSchema),
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

/** JSONPath of the Ready condition, for printer columns. */
export const READY_STATUS_PATH = '.status.conditions[?(@.type=="Ready")].status';
export const READY_REASON_PATH = '.status.conditions[?(@.type=="Ready")].reason';
