// Starts and stops what the models run, in order: the shared informers first (their caches
// feed every controller), then the controllers; on shutdown the reverse, revoking nothing.

import type { Controller, Logger, Model, SharedInformer } from '@lockstep/core';

export class ModelRunner {
  readonly controllers: Controller[];
  readonly #informers: SharedInformer[];
  readonly #models: Model[];
  readonly #log: Logger;

  constructor(managedSecrets: SharedInformer, models: Model[], log: Logger) {
    this.#models = models;
    this.#informers = [managedSecrets, ...models.flatMap((m) => m.informers)];
    this.controllers = models.flatMap((m) => m.controllers);
    this.#log = log;
  }

  async start(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.start()));
    await Promise.all(this.controllers.map((c) => c.start()));
    this.#log.info({ controllers: this.controllers.map((c) => c.name) }, 'lockstep started');
  }

  hasSynced(): boolean {
    return this.#informers.every((i) => i.hasSynced()) && this.controllers.every((c) => c.hasSynced());
  }

  /** Lets in-flight reconciles finish until the deadline; answers the keys still running then. */
  async stop(deadlineMs: number): Promise<string[]> {
    const results = await Promise.all(this.controllers.map((c) => c.stop(deadlineMs)));
    await Promise.all(this.#informers.map((i) => i.stop()));
    for (const model of this.#models) model.stop();
    return results.flatMap((r) => r.inFlight);
  }
}
