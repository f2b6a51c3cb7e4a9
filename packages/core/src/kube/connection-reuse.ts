import type { KubeConfig } from '@kubernetes/client-node';

type Dispatching = { createDispatcher(cluster: unknown, agentOptions: unknown): unknown };

/**
 * Makes a KubeConfig reuse its HTTPS connections. client-node 2.0.1 builds a new undici
 * Agent for every request when the cluster has a CA, so each API call pays a TCP and TLS
 * handshake and leaves an idle socket behind (bench/README.md measured the cost). This
 * keeps one dispatcher per distinct TLS configuration; token auth travels in headers, so
 * rotated bearer tokens still apply per request. Returns the same KubeConfig.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as Dispatching;
  const create = target.createDispatcher;
  if (typeof create !== 'function') return kc;
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster: unknown, agentOptions: unknown) => {
    // The options hold the CA, client certificate and server name: a rotated client
    // certificate gets a dispatcher of its own.
    const key = JSON.stringify([(cluster as { server?: string } | null)?.server, agentOptions]);
    if (!cache.has(key)) cache.set(key, create.call(kc, cluster, agentOptions));
    return cache.get(key);
  };
  return kc;
}
