// Starts and stops what the models run, in order: every informer first, then the work queues
// once every cache is synced; on shutdown the reverse, revoking nothing.

import type { Controller, Logger, Model, SharedInformer } from '@lockstep/core';

export class ModelRunner {
  readonly controllers: Controller[];
  readonly #informers: SharedInformer[];
  readonly #models: Model[];
  readonly #log: Logger;
  readonly #stopping = new AbortController();

  constructor(managedSecrets: SharedInformer, models: Model[], log: Logger) {
    this.#models = models;
    this.#informers = [managedSecrets, ...models.flatMap((m) => m.informers)];
    this.controllers = models.flatMap((m) => m.controllers);
    this.#log = log;
  }

  /**
   * As controller-runtime waits for its caches: no reconcile runs before every informer has
   * listed. A first list can fail (403s from a kube-apiserver whose authorizer is still
   * syncing, right after an outage); reconciling then would take a managed Secret for missing,
   * and its late list would queue every owner a second time.
   */
  async start(): Promise<void> {
    for (const c of this.controllers) c.queue.pause();
    const informers = [...this.#informers, ...this.controllers.map((c) => c.informer)];
    await Promise.all([...this.#informers.map((i) => i.start()), ...this.controllers.map((c) => c.start())]);
    try {
      await Promise.all(informers.map((i) => i.waitForSync(this.#stopping.signal)));
    } catch (err) {
      if (this.#stopping.signal.aborted) return; // shut down before the caches synced
      throw err;
    }
    for (const c of this.controllers) c.queue.resume();
    this.#log.info({ controllers: this.controllers.map((c) => c.name) }, 'lockstep started');
  }

  hasSynced(): boolean {
    return this.#informers.every((i) => i.hasSynced()) && this.controllers.every((c) => c.hasSynced());
  }

  /** Lets in-flight reconciles finish until the deadline; answers the keys still running then. */
  async stop(deadlineMs: number): Promise<string[]> {
    this.#stopping.abort(new Error('shutting down'));
    const results = await Promise.all(this.controllers.map((c) => c.stop(deadlineMs)));
    await Promise.all(this.#informers.map((i) => i.stop()));
    for (const model of this.#models) model.stop();
    return results.flatMap((r) => r.inFlight);
  }
}
