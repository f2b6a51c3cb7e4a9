import type { KubeConfig } from '@kubernetes/client-node';

type Dispatching = { createDispatcher(cluster: unknown, agentOptions: unknown): unknown };

interface Cached {
  server: string | undefined;
  options: Record<string, unknown>;
  dispatcher: unknown;
}

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
  const cache: Cached[] = [];
  target.createDispatcher = (cluster: unknown, agentOptions: unknown) => {
    const server = (cluster as { server?: string } | null)?.server;
    const options = (agentOptions ?? {}) as Record<string, unknown>;
    // client-node reads the CA and client certificate afresh for every request: compare the
    // contents (a rotated client certificate gets a dispatcher of its own).
    const hit = cache.find((c) => c.server === server && sameOptions(c.options, options));
    if (hit) return hit.dispatcher;
    const dispatcher = create.call(kc, cluster, agentOptions);
    cache.push({ server, options, dispatcher });
    // Rotated certificates leave stale entries behind: keep the few most recent.
    if (cache.length > 8) cache.shift();
    return dispatcher;
  };
  return kc;
}

function sameOptions(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return false;
}
