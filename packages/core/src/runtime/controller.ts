// One controller = one informer feeding one work queue. Secondary watches (the Secrets a
// kind writes, the stores its objects use) map their events to keys of this kind.
// Data flows one way: watch -> queue -> reconcile.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerHandlers, ResourceInformer } from '../informer/informer.ts';
import { enqueueHandlers } from '../informer/informer.ts';
import type { Logger } from '../log/logger.ts';
import type { DrainResult, ReconcileEvent, ReconcileFn, WorkQueue, WorkQueueOptions } from '../queue/work-queue.ts';
import { WorkQueue as Queue } from '../queue/work-queue.ts';
import { reportReconcile, type TimeoutCondition, writeTimeoutCondition } from './reconcile-report.ts';

export interface ControllerOptions<T extends KubernetesObject> extends Omit<WorkQueueOptions, 'reconcile'> {
  informer: ResourceInformer<T>;
  reconcile: ReconcileFn;
  /** Where reconciles that ran past their budget or failed unexpectedly are logged. */
  log?: Logger;
  /** Writes Ready=False on an object whose reconcile ran past its budget, so `kubectl get` says why. */
  timeoutCondition?: TimeoutCondition;
}

export class Controller<T extends KubernetesObject = KubernetesObject> {
  readonly name: string;
  readonly informer: ResourceInformer<T>;
  readonly queue: WorkQueue;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(options: ControllerOptions<T>) {
    this.name = options.name;
    this.informer = options.informer;
    const observe = options.onReconciled;
    const log = options.log?.child({ controller: options.name });
    const onReconciled = (event: ReconcileEvent) => {
      observe?.(event);
      if (log) reportReconcile(log, event);
      if (event.result === 'timeout' && options.timeoutCondition) {
        writeTimeoutCondition(this.informer, event, options.timeoutCondition).catch((err: unknown) =>
          log?.debug({ key: event.key, err: { message: (err as Error).message } }, 'could not record the timeout'),
        );
      }
    };
    this.queue = new Queue({ ...options, onReconciled });
    this.#unsubscribe.push(this.informer.on(enqueueHandlers(this.queue)));
  }

  /** Enqueues the keys of this kind that an event of another informer maps to. */
  watch<U extends KubernetesObject>(other: ResourceInformer<U>, keysOf: (obj: U) => Iterable<string>): void {
    this.#unsubscribe.push(other.on(enqueueHandlers(this.queue, keysOf) as InformerHandlers<U>));
  }

  /** Starts the informer; its initial list enqueues every existing object. */
  async start(): Promise<void> {
    await this.informer.start();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  /** Stops taking work and waits for in-flight reconciles up to the deadline. Revokes nothing. */
  async stop(deadlineMs: number): Promise<DrainResult> {
    for (const off of this.#unsubscribe.splice(0)) off();
    const drained = await this.queue.drain(deadlineMs);
    await this.informer.stop();
    return drained;
  }
}
