// The HTTP endpoints every replica serves, leader or standby: /metrics (the lease gauges are
// refreshed from the informers at each scrape), /healthz and /readyz.

import type { Server } from 'node:http';
import { type LeaseSource, type LockstepMetrics, type Logger, PROMETHEUS_CONTENT_TYPE } from '@lockstep/core';
import { type Flags, parseBindAddress } from './flags.ts';
import { listen } from './http-endpoints.ts';
import { refreshLeaseGauges } from './lease-gauges.ts';

export interface EndpointSources {
  metrics: LockstepMetrics;
  leaseSources: LeaseSource[];
  ready(): boolean;
}

export async function serveEndpoints(
  flags: Pick<Flags, 'metricsBindAddress' | 'healthProbeBindAddress'>,
  log: Logger,
  sources: EndpointSources,
): Promise<Server[]> {
  const servers: Server[] = [];
  const metricsBind = parseBindAddress(flags.metricsBindAddress);
  const healthBind = parseBindAddress(flags.healthProbeBindAddress);
  if (metricsBind) {
    const m = await listen(metricsBind, {
      metrics: async () => {
        refreshLeaseGauges(sources.metrics, sources.leaseSources);
        return { contentType: PROMETHEUS_CONTENT_TYPE, body: await sources.metrics.render() };
      },
    });
    log.info({ port: m.port }, 'metrics listening');
    servers.push(m.server);
  }
  if (healthBind) {
    const h = await listen(healthBind, { healthy: () => true, ready: sources.ready });
    log.info({ port: h.port }, 'health probes listening');
    servers.push(h.server);
  }
  return servers;
}
