import type { Clock } from '../clock/clock.ts';
import { recordEventLoopDelay } from './event-loop-delay.ts';
import { defineInstruments, type LockstepInstruments } from './instruments.ts';
import { LiveGauges } from './live-gauges.ts';
import { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.ts';

export interface LockstepMetrics extends LockstepInstruments, PrometheusMetrics {}

/** Lockstep's instruments on a Prometheus-exported MeterProvider, one per process. */
export function createMetrics(options: { serviceName?: string; clock?: Clock } = {}): LockstepMetrics {
  const live = new LiveGauges();
  const prometheus = createPrometheusMetrics(options.serviceName, [live]);
  const meter = prometheus.meterProvider.getMeter('lockstep');
  const instruments = defineInstruments(meter, live, options.clock);
  const stopSampling = recordEventLoopDelay(meter);
  return {
    ...prometheus,
    ...instruments,
    shutdown: async () => {
      stopSampling();
      await prometheus.shutdown();
    },
  };
}
