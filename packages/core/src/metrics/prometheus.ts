import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';

export interface PrometheusMetrics {
  meterProvider: MeterProvider;
  /** The current metrics in the Prometheus text format. */
  render(): Promise<string>;
  /** Answers a scrape on the controller's own HTTP server (`/metrics`). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A MeterProvider read by a Prometheus exporter that starts no server of its own: the
 * controller serves `/metrics` next to `/healthz` and `/readyz`.
 */
export function createPrometheusMetrics(serviceName = 'lockstep', producers: MetricProducer[] = []): PrometheusMetrics {
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    metricProducers: producers,
  });
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    readers: [exporter],
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);

  async function render(): Promise<string> {
    const { resourceMetrics } = await exporter.collect();
    return serializer.serialize(resourceMetrics);
  }

  return {
    meterProvider,
    render,
    handleRequest(_req, res) {
      render().then(
        (body) => {
          res.statusCode = 200;
          res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
          res.end(body);
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end(`# failed to collect metrics: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    },
    shutdown: () => meterProvider.shutdown(),
  };
}
