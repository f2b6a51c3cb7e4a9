import type { Clock } from '../clock/clock.ts';
import { defineInstruments, type LockstepInstruments } from './instruments.ts';
import { LiveGauges } from './live-gauges.ts';
import { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.ts';

export interface LockstepMetrics extends LockstepInstruments, PrometheusMetrics {}

/** Lockstep's instruments on a Prometheus-exported MeterProvider, one per process. */
export function createMetrics(options: { serviceName?: string; clock?: Clock } = {}): LockstepMetrics {
  const live = new LiveGauges();
  const prometheus = createPrometheusMetrics(options.serviceName, [live]);
  const instruments = defineInstruments(prometheus.meterProvider.getMeter('lockstep'), live, options.clock);
  return { ...prometheus, ...instruments };
}
