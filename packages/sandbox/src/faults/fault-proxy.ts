// An HTTP/1.1 fault proxy for tests: forwards every request to one target (bodies streamed,
// keep-alive on both sides) until the test switches in a fault: latency, a reset connection,
// an HTTP status of the test's choosing (429 with Retry-After, 503, AWS's JSON error shape),
// or a peer that is down. It counts what reaches it, per fault window, so a test can compute
// the request rate a client kept up while the fault lasted.
//
// Why not Toxiproxy: it works on TCP (latency, reset_peer, timeout, bandwidth) and cannot
// answer 429 or 503, which is what throttling and a failing backend look like over HTTP. This
// is node:http only, no new dependency (docs/sandbox.md, "The fault proxy").

import * as http from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';

/** What the proxy does to a request. */
export type Fault =
  | { kind: 'pass' }
  /** Waits `ms` before forwarding (the answer then comes as fast as the target gives it). */
  | { kind: 'latency'; ms: number }
  /** Resets the client's connection (TCP RST) without forwarding: the client sees ECONNRESET. */
  | { kind: 'reset' }
  /** Answers `code` itself without forwarding, with `Retry-After`, extra headers and a body. */
  | { kind: 'status'; code: number; retryAfter?: number | string; headers?: Record<string, string>; body?: string }
  /**
   * A peer that is down: every new connection is reset as soon as it is accepted, and open
   * keep-alive connections are reset too. The proxy keeps listening (so the port stays its
   * own and `pass` brings the peer back on the same address): clients see ECONNRESET, not
   * ECONNREFUSED. Stop the target itself for a refused connection (the proxy then resets).
   */
  | { kind: 'down' };

export const faults = {
  pass: (): Fault => ({ kind: 'pass' }),
  latency: (ms: number): Fault => ({ kind: 'latency', ms }),
  reset: (): Fault => ({ kind: 'reset' }),
  status: (
    code: number,
    opts: { retryAfter?: number | string; headers?: Record<string, string>; body?: string } = {},
  ) => ({ kind: 'status', code, ...opts }) as Fault,
  down: (): Fault => ({ kind: 'down' }),
};

export interface FaultOptions {
  /** Fault only every k-th request of the window (the k-th, 2k-th, …); the others pass. Default 1: all. */
  every?: number;
  /** Names the window in figures; default the fault's kind. */
  label?: string;
}

/** One period under one fault, from `setFault` to the next. */
export interface FaultWindow {
  index: number;
  label: string;
  fault: Fault;
  every: number;
  startMs: number;
  /** Undefined while it is the current window. */
  endMs: number | undefined;
  /** Requests (and, while down, connection attempts) that arrived in the window. */
  requests: number;
  /** Of those, the ones the fault hit. */
  faulted: number;
}

export interface ProxiedRequest {
  /** Date.now() when the request (or, while down, the connection) arrived. */
  atMs: number;
  /** Empty for a connection reset while down (no request was read). */
  method: string;
  path: string;
  window: number;
  faulted: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: give it to the client instead of the target. */
  readonly url: string;
  readonly port: number;
  /** Where requests go now. */
  target(): string;
  /** Sends later requests to another target (e.g. a restarted peer on a new port). */
  retarget(url: string): void;
  /** Ends the current window and opens one under `fault`; answers the new window. */
  setFault(fault: Fault, opts?: FaultOptions): FaultWindow;
  current(): FaultWindow;
  windows(): FaultWindow[];
  requests(): ProxiedRequest[];
  close(): Promise<void>;
}

/** Requests per second in a window (up to now while it is open); the figure a test prints and bounds. */
export function requestRate(window: FaultWindow, nowMs = Date.now()): number {
  const seconds = ((window.endMs ?? nowMs) - window.startMs) / 1000;
  return seconds > 0 ? window.requests / seconds : 0;
}

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}

export async function startFaultProxy(opts: { target: string }): Promise<FaultProxy> {
  let target = new URL(opts.target);
  const windows: FaultWindow[] = [];
  const log: ProxiedRequest[] = [];
  const open = (fault: Fault, o: FaultOptions = {}): FaultWindow => {
    const w: FaultWindow = {
      index: windows.length,
      label: o.label ?? fault.kind,
      fault,
      every: Math.max(1, Math.floor(o.every ?? 1)),
      startMs: Date.now(),
      endMs: undefined,
      requests: 0,
      faulted: 0,
    };
    windows.push(w);
    return w;
  };
  let window = open(faults.pass());
  /** Counts an arrival in the current window; answers whether the fault applies to it. */
  const arrive = (method: string, path: string): boolean => {
    window.requests++;
    const faulted = window.fault.kind !== 'pass' && window.requests % window.every === 0;
    if (faulted) window.faulted++;
    log.push({ atMs: Date.now(), method, path, window: window.index, faulted });
    return faulted;
  };

  const upstreamAgent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const upstream = http.request(
      {
        agent: upstreamAgent,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // The Host header stays the proxy's: a signed request (AWS SigV4) signed that one.
        headers: endToEnd(req.headers),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
        answer.pipe(res);
        answer.on('error', () => req.socket.destroy());
      },
    );
    // The target is down or dropped the connection: so does the proxy, as a TCP hop would.
    upstream.on('error', () => req.socket.resetAndDestroy());
    req.pipe(upstream);
  };

  const http1 = http.createServer({ keepAlive: true }, (req, res) => {
    const faulted = arrive(req.method ?? '', req.url ?? '');
    const fault = window.fault;
    if (!faulted || fault.kind === 'pass') return forward(req, res);
    switch (fault.kind) {
      case 'latency': {
        req.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) forward(req, res);
        }, fault.ms);
        timers.add(timer);
        return;
      }
      case 'status': {
        req.resume();
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', ...fault.headers };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        res.writeHead(fault.code, headers);
        res.end(fault.body ?? '');
        return;
      }
      case 'reset':
      case 'down':
        req.socket.resetAndDestroy();
        return;
    }
  });
  http1.on('clientError', (_err, socket) => socket.destroy());

  // A TCP listener in front of the HTTP server, so `down` can reset a connection before any
  // byte of it is read and the port stays bound.
  const tcp: Server = createTcpServer((socket) => {
    socket.on('error', () => {});
    if (window.fault.kind === 'down' && arrive('', '')) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    http1.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (tcp.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target: () => target.origin,
    retarget(url) {
      target = new URL(url);
      // Pooled connections go to the old target.
      upstreamAgent.destroy();
    },
    setFault(fault, o) {
      window.endMs = Date.now();
      window = open(fault, o);
      // Down means no connection survives, including keep-alive ones opened before.
      if (fault.kind === 'down') for (const s of sockets) s.resetAndDestroy();
      return window;
    },
    current: () => window,
    windows: () => windows.map((w) => ({ ...w })),
    requests: () => [...log],
    async close() {
      window.endMs ??= Date.now();
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      upstreamAgent.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
