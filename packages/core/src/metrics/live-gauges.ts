import { type Attributes, ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type GaugeMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

export interface GaugeSample {
  value: number;
  attributes?: Attributes;
}

interface LiveGauge {
  name: string;
  description: string;
  unit: string;
  read: () => Iterable<GaugeSample>;
}

/**
 * Gauges read fresh at every scrape. The SDK's observable gauges keep reporting the last
 * value of a series after its callback stops observing it (cumulative state), so a
 * removed queue or a cleared lease expiry would linger frozen; this producer reports
 * exactly what exists at scrape time.
 */
export class LiveGauges implements MetricProducer {
  readonly #gauges: LiveGauge[] = [];

  define(name: string, description: string, read: () => Iterable<GaugeSample>, unit = ''): void {
    this.#gauges.push({ name, description, unit, read });
  }

  async collect(): Promise<CollectionResult> {
    const now = hrTime(Date.now());
    const errors: unknown[] = [];
    const metrics: GaugeMetricData[] = [];
    for (const gauge of this.#gauges) {
      let samples: GaugeSample[];
      try {
        samples = [...gauge.read()];
      } catch (err) {
        errors.push(err);
        continue;
      }
      if (samples.length === 0) continue;
      metrics.push({
        descriptor: { name: gauge.name, description: gauge.description, unit: gauge.unit, valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: samples.map((s) => ({
          startTime: now,
          endTime: now,
          attributes: s.attributes ?? {},
          value: s.value,
        })),
      });
    }
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: 'lockstep' }, metrics }] },
      errors,
    };
  }
}

function hrTime(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
