import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceInformer } from '../informer/informer.ts';
import type { ReconcileFn } from '../queue/work-queue.ts';
import { Controller } from './controller.ts';
import type { ModelDeps } from './model-deps.ts';

export interface ModelControllerOptions<T extends KubernetesObject> {
  name: string;
  informer: ResourceInformer<T>;
  reconcile: ReconcileFn;
  /** Default: `deps.concurrency`. */
  concurrency?: number;
  /** Ready's reason when a reconcile runs past its budget; default `ReconcileTimeout`. */
  timeoutReason?: string;
}

/**
 * A controller as both models run one: clock, metrics and log from `deps`, and the liveness
 * budget (docs/architecture.md): past it a reconcile is logged, says so in Ready=False and
 * backs off without holding a worker.
 */
export function modelController<T extends KubernetesObject>(
  deps: ModelDeps,
  options: ModelControllerOptions<T>,
): Controller<T> {
  const controller = new Controller<T>({
    name: options.name,
    informer: options.informer,
    reconcile: options.reconcile,
    concurrency: options.concurrency ?? deps.concurrency,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    onReconciled: (event) => deps.metrics.recordReconcile(event),
    ...(deps.reconcileTimeoutMs ? { timeoutMs: deps.reconcileTimeoutMs } : {}),
    timeoutCondition: {
      status: deps.status,
      now: () => deps.clock.now(),
      ...(options.timeoutReason ? { reason: options.timeoutReason } : {}),
    },
  });
  deps.metrics.observeQueue(controller.queue);
  return controller;
}
