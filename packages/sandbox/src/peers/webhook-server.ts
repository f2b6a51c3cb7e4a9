// A small HTTPS server for the webhook provider and generator, with a CA made at start (the
// sandbox's own PKI). Tests drive it in process: they set values and the token it demands,
// and read back the requests it saw. Routes:
//   GET  /secrets/<key>[?version=v]   the value (JSON as JSON, a string as text); 404 when unset
//   POST /lookup                      the value of the JSON body's `key`
//   GET  /generate                    a new {"token": …, "serial": n} at every call
//   GET  /get?<query>                 httpbin.org's echo, {"args": {<query>}, "url": …}, as ESO's docs call
//   GET  /status/<code>[?retryAfter=s] that status (with Retry-After)
//   GET  /redirect?to=<url>           302 to `to`
//   GET  /slow                        never answers (until the server stops)
//   GET  /huge?bytes=n                n bytes of a JSON string, chunked, no Content-Length
// With a token set, every route but /status answers 401 without `Authorization: Bearer <token>`.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSandboxCa, issueServingCert } from '../apiserver/pki.ts';

export interface WebhookRequestSeen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface WebhookServer {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  /** Sets the value `/secrets/<key>` answers (for `version`, when given). */
  set(key: string, value: unknown, version?: string): void;
  delete(key: string): void;
  /** The bearer token every route demands; undefined: none. */
  requireToken(token: string | undefined): void;
  /** Requests seen so far, oldest first. */
  requests(): WebhookRequestSeen[];
  /** How many times /generate answered. */
  generated(): number;
  stop(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const ca = await createSandboxCa();
  const serving = await issueServingCert(ca, ['127.0.0.1', 'localhost']);
  const values = new Map<string, unknown>();
  const seen: WebhookRequestSeen[] = [];
  const sockets = new Set<Socket>();
  let token: string | undefined;
  let serial = 0;

  const answer = (res: ServerResponse, value: unknown) => {
    if (typeof value === 'string') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    }
  };
  const secret = (res: ServerResponse, key: string, version: string | null) => {
    const id = version ? `${key}@${version}` : key;
    if (!values.has(id)) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    else answer(res, values.get(id));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    seen.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, headers: req.headers, body });
    if (url.pathname.startsWith('/status/')) {
      const retryAfter = url.searchParams.get('retryAfter');
      res.writeHead(Number(url.pathname.slice('/status/'.length)) || 500, {
        ...(retryAfter ? { 'retry-after': retryAfter } : {}),
      });
      res.end('{"error":"as asked"}');
      return;
    }
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(req.headers.authorization ? 403 : 401).end('{"error":"unauthorized"}');
      return;
    }
    if (url.pathname.startsWith('/secrets/')) {
      secret(res, decodeURIComponent(url.pathname.slice('/secrets/'.length)), url.searchParams.get('version'));
    } else if (url.pathname === '/lookup' && req.method === 'POST') {
      let key = '';
      try {
        key = String((JSON.parse(body) as { key?: unknown }).key ?? '');
      } catch {}
      secret(res, key, null);
    } else if (url.pathname === '/get') {
      answer(res, { args: Object.fromEntries(url.searchParams), url: url.href });
    } else if (url.pathname === '/generate') {
      serial += 1;
      answer(res, { token: `generated-${randomBytes(8).toString('hex')}`, serial });
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname === '/slow') {
      // Never answers: the socket is closed when the server stops.
    } else if (url.pathname === '/huge') {
      const bytes = Number(url.searchParams.get('bytes') ?? 2 * 1024 * 1024);
      res.on('error', () => {}); // the client hangs up past its limit
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      res.write('"');
      for (let sent = 2; sent < bytes; sent += chunk.length)
        res.write(chunk.slice(0, Math.min(chunk.length, bytes - sent)));
      res.end('"');
    } else {
      res.writeHead(404).end('{"error":"no such route"}');
    }
  };

  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    caPem: ca.certPem,
    set: (key, value, version) => values.set(version ? `${key}@${version}` : key, value),
    delete: (key) => values.delete(key),
    requireToken: (value) => {
      token = value;
    },
    requests: () => [...seen],
    generated: () => serial,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
