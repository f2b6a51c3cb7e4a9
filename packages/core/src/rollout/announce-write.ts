// What follows a Secret write, the same for every kind: count it, say it in an Event, restart
// the rollout targets when the data a workload holds changed, and count and say that too. One
// step so no kind forgets the metric or the Event (ExternalSecret restarts once went uncounted).

import type { EventRecorder, InvolvedObject } from '../runtime/event-recorder.ts';
import type { RolloutRestarter } from './rollout-restarter.ts';
import type { RolloutTarget } from './rollout-targets.ts';

export interface WriteAnnouncer {
  events: EventRecorder;
  rollout: RolloutRestarter;
  /** lockstep_secret_writes_total, labelled by the caller's kind. */
  onSecretWrite?(operation: 'create' | 'update'): void;
  /** lockstep_rollout_restarts_total, labelled by the caller's kind. */
  onRolloutRestart?(): void;
}

export interface SecretWritten {
  involved: InvolvedObject;
  namespace: string;
  operation: 'create' | 'update';
  /** The Event for the write: `SecretSynced`, `SecretRotated`, `Updated` (ESO's). */
  event: { reason: string; message: string };
  targets: readonly RolloutTarget[];
  /**
   * Restart the targets with this value (unique to the change), or undefined: no restart (a first
   * sync, a drift repair, metadata only). `why` ends the RolloutRestarted message.
   */
  restart?: { value: string; why?: string };
}

export async function announceSecretWrite(to: WriteAnnouncer, w: SecretWritten): Promise<void> {
  to.onSecretWrite?.(w.operation);
  to.events.normal(w.involved, w.event.reason, w.event.message);
  if (!w.restart || w.targets.length === 0) return;
  await to.rollout.restart(w.namespace, [...w.targets], w.restart.value);
  to.onRolloutRestart?.();
  const names = w.targets.map((t) => `${t.kind}/${t.name}`).join(', ');
  to.events.normal(w.involved, 'RolloutRestarted', `restarted ${names}${w.restart.why ? ` (${w.restart.why})` : ''}`);
}
