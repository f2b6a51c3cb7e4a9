// One bounded HTTP(S) exchange with a webhook, on node:http/node:https (which never follow
// redirects). Bounds: the whole exchange, answer included, within `timeoutMs`; at most
// `maxBytes` of answer. Every failure leaves as a BackendError of one class, with a message that
// names the url *template* of the spec (`what`), never the rendered url, headers or body: those
// may carry the secrets the templates read.

import * as http from 'node:http';
import * as https from 'node:https';
import { BackendError } from '@lockstep/core';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface WebhookRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

export interface ExchangeOptions {
  /** The agents the client keeps (connection reuse, the trusted CA). */
  agents: WebhookAgents;
  timeoutMs: number;
  maxBytes: number;
  /** How messages name the call, e.g. `the webhook (url "https://api/{{ .remoteRef.key }}")`. */
  what: string;
  now: () => number;
}

export class WebhookAgents {
  readonly #ca: string | undefined;
  #https: https.Agent | undefined;
  #http: http.Agent | undefined;

  /** `ca`: the PEM bundle trusted instead of the system roots (caBundle / caProvider), as ESO does. */
  constructor(ca: string | undefined) {
    this.#ca = ca;
  }

  for(url: URL): http.Agent {
    if (url.protocol === 'https:') {
      this.#https ??= new https.Agent({
        keepAlive: true,
        minVersion: 'TLSv1.2',
        ...(this.#ca ? { ca: this.#ca } : {}),
      });
      return this.#https;
    }
    this.#http ??= new http.Agent({ keepAlive: true });
    return this.#http;
  }

  destroy(): void {
    this.#https?.destroy();
    this.#http?.destroy();
  }
}

/** Sends the request; answers the body of a 2xx, throws a classified BackendError otherwise. */
export function exchange(request: WebhookRequest, opts: ExchangeOptions): Promise<Uint8Array> {
  const transport = request.url.protocol === 'https:' ? https : http;
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const finish = (err: BackendError | undefined, body?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(body ?? new Uint8Array());
    };
    let req: http.ClientRequest;
    try {
      req = transport.request(request.url, {
        method: request.method,
        headers: {
          ...request.headers,
          ...(request.body ? { 'content-length': String(request.body.byteLength) } : {}),
        },
        agent: opts.agents.for(request.url),
      });
    } catch (err) {
      // Node refuses a malformed method or header here; its message names the header, not the value.
      const code = (err as { code?: unknown }).code;
      reject(new BackendError('InvalidInput', 'webhook', `${opts.what} cannot be sent (${String(code)})`));
      return;
    }
    const timer = setTimeout(
      () =>
        finish(
          new BackendError(
            'Unavailable',
            'webhook',
            `${opts.what} did not answer within ${opts.timeoutMs} ms: check the server, or raise timeout`,
          ),
        ),
      opts.timeoutMs,
    );
    req.on('error', (err) => finish(transportError(err, opts.what)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        finish(statusError(status, res.headers, request.url, opts));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        finish(tooLarge(opts));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > opts.maxBytes) finish(tooLarge(opts));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, Buffer.concat(chunks)));
      res.on('error', (err) => finish(transportError(err, opts.what)));
    });
    req.end(request.body ? Buffer.from(request.body) : undefined);
  });
}

function statusError(
  status: number,
  headers: http.IncomingHttpHeaders,
  url: URL,
  opts: Pick<ExchangeOptions, 'what' | 'now'>,
): BackendError {
  const answered = `${opts.what} answered ${status}`;
  if (status === 404) return new BackendError('NotFound', 'webhook', `${answered} (not found)`);
  if (status === 401 || status === 403) {
    return new BackendError(
      'Forbidden',
      'webhook',
      `${answered}: the server refused the credentials; check the headers and the secrets they read`,
    );
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = retryAfter(headers['retry-after'], opts.now());
    const wait = retryAfterMs === undefined ? '' : ` and asked to wait ${Math.ceil(retryAfterMs / 1000)} s`;
    return new BackendError(
      status === 429 ? 'Throttled' : 'Unavailable',
      'webhook',
      `${answered}${wait}; retrying with backoff`,
      retryAfterMs === undefined ? undefined : { retryAfterMs },
    );
  }
  if (status >= 500 || status === 408) {
    return new BackendError('Unavailable', 'webhook', `${answered}; retrying with backoff`);
  }
  if (status >= 300 && status < 400) {
    if (status === 304) {
      return new BackendError(
        'InvalidInput',
        'webhook',
        `${answered} (not modified): remove the conditional request headers (If-None-Match, If-Modified-Since)`,
      );
    }
    return new BackendError(
      'InvalidInput',
      'webhook',
      `${answered} with a redirect${redirectTarget(headers.location, url)}; Lockstep never follows redirects: set url to the address that answers`,
    );
  }
  return new BackendError(
    'InvalidInput',
    'webhook',
    `${answered}: the server refused the request; check url, method, headers and body`,
  );
}

/** Where a redirect points, without its query (which may carry a token, as a signed URL does). */
function redirectTarget(location: string | undefined, base: URL): string {
  if (!location) return '';
  try {
    const target = new URL(location, base);
    const origin = target.origin === base.origin ? 'the same server' : target.origin;
    return ` to ${origin}${target.pathname === '/' && target.origin !== base.origin ? '' : ` path ${target.pathname}`}`;
  } catch {
    return '';
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfter(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) && at > now ? at - now : undefined;
}

function tooLarge(opts: Pick<ExchangeOptions, 'what' | 'maxBytes'>): BackendError {
  return new BackendError(
    'InvalidInput',
    'webhook',
    `${opts.what} answered with more than ${opts.maxBytes} bytes, the most Lockstep reads: make the answer smaller`,
  );
}

/** Node's error codes for a certificate the client does not trust. */
export const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_CERT|ERR_SSL_|HOSTNAME_MISMATCH)/;

function transportError(err: Error, what: string): BackendError {
  const code = (err as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : err.name;
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return new BackendError(
      'InvalidInput',
      'webhook',
      `${what} presented a TLS certificate Lockstep does not trust (${code}): set caBundle or caProvider to the CA that signed it`,
      { cause: err },
    );
  }
  if (code === 'ENOTFOUND') {
    return new BackendError('InvalidInput', 'webhook', `${what}: the host of url does not resolve (ENOTFOUND)`, {
      cause: err,
    });
  }
  return new BackendError('Unavailable', 'webhook', `${what} cannot be reached (${text}); retrying with backoff`, {
    cause: err,
  });
}
