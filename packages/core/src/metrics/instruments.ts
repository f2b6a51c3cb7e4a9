import type { Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';
import { type Clock, realClock } from '../clock/clock.ts';
import type { ReconcileEvent } from '../queue/work-queue.ts';
import type { LiveGauges } from './live-gauges.ts';

// Names follow Prometheus conventions after the exporter's mapping: counters get `_total`
// appended by the exporter, units are never appended, so histograms say `_seconds` here.
// Labels stay low-cardinality (kind, provider, result…): no per-object labels.

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type ReconcileResultLabel = 'success' | 'error' | 'timeout';
export type RequestResultLabel = 'success' | 'error' | (string & {});

export interface QueueGaugeSource {
  readonly name: string;
  readonly depth: number;
  readonly inFlight: number;
  /** Reconciles still running past their budget. */
  readonly overdue?: number;
}

export interface LockstepInstruments {
  reconcileTotal: Counter<{ kind: string; result: ReconcileResultLabel }>;
  reconcileDuration: Histogram<{ kind: string }>;
  providerRequests: Counter<{ provider: string; operation: string; result: RequestResultLabel }>;
  secretWrites: Counter<{ kind: string; operation: 'create' | 'update' | 'delete' | (string & {}) }>;
  leasesActive: Gauge<{ kind: string }>;
  leaseRenewals: Counter<{ result: string }>;
  /** Seconds from a renewal's due time to Vault granting it. */
  leaseRenewalLateness: Histogram;
  tokenRenewals: Counter<{ result: string }>;
  rolloutRestarts: Counter<{ kind: string }>;
  /** Rejections nobody awaited and other errors that reached the process level, by origin; each is a bug to report. */
  unexpectedErrors: Counter<{ origin: string }>;
  /** Publishes a queue's depth and in-flight count at every scrape; returns an unregister function. */
  observeQueue(queue: QueueGaugeSource): () => void;
  /** Records a finished reconcile; pass as a WorkQueue's `onReconciled`. */
  recordReconcile(event: ReconcileEvent): void;
  /** Sets when the earliest lease (of `kind`, if given) expires; undefined clears it. */
  setEarliestLeaseExpiry(expiry: Date | undefined, kind?: string): void;
}

export function defineInstruments(meter: Meter, live: LiveGauges, clock: Clock = realClock): LockstepInstruments {
  const reconcileTotal = meter.createCounter<{ kind: string; result: ReconcileResultLabel }>('lockstep_reconcile', {
    description: 'Reconciles by kind and result.',
  });
  const reconcileDuration = meter.createHistogram<{ kind: string }>('lockstep_reconcile_duration_seconds', {
    description: 'Time one reconcile took, in seconds.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const queues = new Set<QueueGaugeSource>();
  live.define('lockstep_queue_depth', 'Keys waiting in the work queue of each kind.', () =>
    [...queues].map((q) => ({ value: q.depth, attributes: { kind: q.name } })),
  );
  live.define('lockstep_queue_in_flight', 'Reconciles running for each kind.', () =>
    [...queues].map((q) => ({ value: q.inFlight, attributes: { kind: q.name } })),
  );
  live.define(
    'lockstep_queue_overdue',
    'Reconciles still running past their budget (--reconcile-timeout), for each kind; their slots were freed.',
    () => [...queues].map((q) => ({ value: q.overdue ?? 0, attributes: { kind: q.name } })),
  );

  const earliestExpiry = new Map<string, Date>();
  live.define(
    'lockstep_lease_earliest_expiry_seconds',
    'Seconds until the earliest held lease expires (negative once it has).',
    () => {
      const now = clock.now().getTime();
      return [...earliestExpiry].map(([kind, expiry]) => ({
        value: (expiry.getTime() - now) / 1000,
        attributes: kind ? { kind } : {},
      }));
    },
    's',
  );

  return {
    reconcileTotal,
    reconcileDuration,
    providerRequests: meter.createCounter('lockstep_provider_requests', {
      description: 'Requests to secret stores by provider, operation and result.',
    }),
    secretWrites: meter.createCounter('lockstep_secret_writes', {
      description: 'Writes to Kubernetes Secrets by owning kind and operation.',
    }),
    leasesActive: meter.createGauge('lockstep_leases_active', {
      description: 'Leases currently held and renewed, by kind.',
    }),
    leaseRenewals: meter.createCounter('lockstep_lease_renewals', {
      description: 'Lease renewals by result (renewed, capped, failed).',
    }),
    leaseRenewalLateness: meter.createHistogram('lockstep_lease_renewal_lateness_seconds', {
      description: 'Seconds from when a lease renewal fell due to when Vault granted it.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] },
    }),
    tokenRenewals: meter.createCounter('lockstep_token_renewals', {
      description: 'Vault login token renewals by result.',
    }),
    rolloutRestarts: meter.createCounter('lockstep_rollout_restarts', {
      description: 'Rollout restarts triggered, by target kind.',
    }),
    unexpectedErrors: meter.createCounter('lockstep_unexpected_errors', {
      description: 'Errors that reached the process level (origin: unhandledRejection), logged and survived.',
    }),
    observeQueue(queue) {
      queues.add(queue);
      return () => queues.delete(queue);
    },
    recordReconcile(event) {
      reconcileTotal.add(1, { kind: event.queue, result: event.result });
      reconcileDuration.record(event.durationMs / 1000, { kind: event.queue });
    },
    setEarliestLeaseExpiry(expiry, kind = '') {
      if (expiry) earliestExpiry.set(kind, expiry);
      else earliestExpiry.delete(kind);
    },
  };
}
