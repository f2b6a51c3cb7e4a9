// /metrics, /healthz and /readyz. Both listeners may share one server when the addresses
// are equal; each answers only its own paths.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Endpoints {
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Liveness: the event loop answers. */
  healthy?: () => boolean;
  /** Readiness: informers synced (a standby replica is ready too: it can take over at once). */
  ready?: () => boolean;
}

export async function listen(
  bind: { host: string; port: number },
  endpoints: Endpoints,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (path === '/metrics' && endpoints.metrics) {
      endpoints.metrics().then(
        (m) => reply(200, m.body, m.contentType),
        () => reply(500, 'metrics unavailable\n'),
      );
      return;
    }
    if (path === '/healthz' && endpoints.healthy)
      return reply(endpoints.healthy() ? 200 : 500, endpoints.healthy() ? 'ok\n' : 'unhealthy\n');
    if (path === '/readyz' && endpoints.ready)
      return reply(endpoints.ready() ? 200 : 503, endpoints.ready() ? 'ok\n' : 'informers not synced\n');
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
