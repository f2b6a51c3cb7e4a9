// A RolloutRestarter for reconciler unit tests: records each restart, and reports the
// rollout as progressing from a restart until the test says the pods are ready. Tests only.

import type { RolloutRestarter, RolloutState, RolloutTarget } from '@lockstep/core';

export interface RecordedRestart {
  namespace: string;
  targets: RolloutTarget[];
  value: string;
}

export class RecordingRollout implements RolloutRestarter {
  readonly restarts: RecordedRestart[] = [];
  #state: RolloutState = 'Complete';

  async restart(namespace: string, targets: RolloutTarget[], value: string): Promise<void> {
    this.restarts.push({ namespace, targets: [...targets], value });
    this.#state = 'Progressing';
  }

  async state(): Promise<RolloutState> {
    return this.#state;
  }

  /** The restarted pods are ready: the rollout is complete. */
  finish(): void {
    this.#state = 'Complete';
  }
}
