import type { Controller } from './controller.ts';

/** An informer a model reads without a controller of its own (started before the controllers). */
export interface SharedInformer {
  start(): Promise<void>;
  stop(): Promise<void>;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/** A kind whose objects hold leases in their status, read at scrape time for the lease gauges. */
export interface LeaseSource {
  kind: string;
  list(): readonly { status?: { secretLease?: { id?: string }; leaseExpiry?: string } }[];
}

/** What wiring a model returns, the same shape for both, so the binary composes them without knowing either. */
export interface Model {
  controllers: Controller[];
  informers: SharedInformer[];
  leaseSources: LeaseSource[];
  /** Releases the model's timers, clients and login tokens; revokes nothing. Stop the controllers first. */
  stop(): void;
}
