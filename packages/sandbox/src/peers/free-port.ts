import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PeerStartError } from './peer-start-error.ts';

// Binding port 0 and releasing it leaves a window in which another process may take the
// port; callers retry with a fresh port when the peer reports the address in use.
export async function freePort(consecutive = 1, opts: { belowEphemeral?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await bind(opts.belowEphemeral ? belowEphemeralCandidate(consecutive) : 0);
    if (first === undefined) continue;
    let ok = true;
    // Some peers open a second listener on the next port (OpenBao's cluster port is PORT+1).
    for (let i = 1; i < consecutive && ok; i++) ok = (await bind(first + i)) !== undefined;
    if (ok) return first;
  }
  throw new Error(`no ${consecutive} consecutive free loopback ports found`);
}

/**
 * A port below the kernel's ephemeral range: no outgoing connection is ever given it, so a
 * peer stopped and started again on it (an etcd or API server outage) finds it still free.
 */
function belowEphemeralCandidate(consecutive: number): number {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  const from = Math.min(20_000, low - 1000);
  return from + Math.floor(Math.random() * (low - from - consecutive));
}

/** A loopback port nothing listens on, below the ephemeral range: connections to it are refused, and no `listen(0)` takes it later. */
export const refusedPort = (): Promise<number> => freePort(1, { belowEphemeral: true });

function bind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

// Runs `start` with a fresh free port, again with another one when the port was taken meanwhile.
export async function withFreePort<T>(
  start: (port: number) => Promise<T>,
  opts: { consecutive?: number; attempts?: number; belowEphemeral?: boolean } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(opts.consecutive ?? 1, { belowEphemeral: opts.belowEphemeral ?? false });
    try {
      return await start(port);
    } catch (err) {
      const retry = err instanceof PeerStartError && err.addressInUse && attempt < attempts;
      if (!retry) throw err;
    }
  }
}
