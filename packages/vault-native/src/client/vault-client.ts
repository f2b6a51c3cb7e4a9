// A thin, typed Vault/OpenBao client on node:http/node:https. Why not node-vault: its
// `kubernetesPath` is ignored, it HTML-escapes path parameters (a `'` becomes `&#39;`, a `#`
// cuts the URL), its renewal timers stop at the first error, and it binds one token to a
// client. Why not the global fetch: a custom CA and TLS server name need an agent, and
// Node's bundled undici rejects dispatchers from the npm one. See docs/vault-client.md.
//
// The client holds no identity: each call names its token (a TokenHandle from the
// TokenManager, or a plain string). One instance per connection is shared by every identity.

import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { BackendError, type Clock, type Random, realClock, systemRandom } from '@lockstep/core';
import { defaultRetryPolicy, mayResend, type RetryPolicy, retryDelay } from './retry-policy.ts';
import { classifyTransportError, classifyVaultResponse, type VaultCallInfo } from './vault-error.ts';
import { encodeVaultPath } from './vault-path.ts';
import {
  type LeaseRenewal,
  type TokenLike,
  type TokenLookup,
  tokenValue,
  type VaultAuthInfo,
  type VaultHealth,
  type VaultResponse,
} from './vault-types.ts';

/** How to reach one Vault (VSO VaultConnection, or an ESO store's `server`/`caBundle`/`namespace`). */
export interface VaultConnectionConfig {
  /** `https://vault.example:8200` (a path prefix is kept). */
  address: string;
  /** PEM of the CA(s) that sign Vault's certificate; the system roots when absent. */
  caCertPem?: string;
  /** Name to send as SNI and to verify the certificate against, when it differs from the address. */
  tlsServerName?: string;
  skipTLSVerify?: boolean;
  /** Sent on every request (VaultConnection `headers`). */
  headers?: Record<string, string>;
  /** Default `X-Vault-Namespace`; a call may override it. */
  namespace?: string;
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface VaultClientDeps {
  clock?: Clock;
  random?: Random;
  /** Vault's warnings (never secret values), e.g. a renewal capped by max TTL. */
  onWarning?: (warning: string, call: { method: string; path: string }) => void;
  /**
   * Every HTTP attempt, retries included, with `success` or the error class it ended in: how
   * hard the controller presses on Vault (a sealed or unreachable Vault must not be hammered).
   */
  onAttempt?: (call: { method: string }, result: 'success' | BackendError['errorClass']) => void;
}

export interface RequestOptions {
  token?: TokenLike;
  /** Overrides the connection's namespace; `''` sends none. */
  namespace?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Safe to resend after an ambiguous failure. Default: true for GET and DELETE, false for writes. */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RawAnswer {
  status: number;
  body: unknown;
  retryAfterMs: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Equal configurations share one key: the connection part of a token identity. */
export function connectionKey(config: VaultConnectionConfig): string {
  const canonical = JSON.stringify([
    config.address.replace(/\/+$/, ''),
    config.caCertPem ?? '',
    config.tlsServerName ?? '',
    config.skipTLSVerify === true,
    // Code-unit order: localeCompare costs a collation per comparison (a hostile 2,000 headers
    // took a quarter of a second per reconcile) and would tie the key to the ICU locale.
    Object.entries(config.headers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    config.namespace ?? '',
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export class VaultClient {
  readonly address: string;
  readonly key: string;
  readonly #url: URL;
  readonly #config: VaultConnectionConfig;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #onWarning: VaultClientDeps['onWarning'];
  readonly #onAttempt: VaultClientDeps['onAttempt'];
  /**
   * Epoch ms before which Vault asked not to be called (the latest Retry-After it sent, on any
   * call of this connection): a rate limit is Vault's, not one resource's, so every call of
   * every resource holds off until then instead of each finding out with a request of its own.
   */
  #notBeforeMs = 0;

  constructor(config: VaultConnectionConfig, deps: VaultClientDeps = {}) {
    let url: URL;
    try {
      url = new URL(config.address);
    } catch {
      throw new TypeError(`Vault address "${config.address}" is not a URL: write it like https://vault.example:8200`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`Vault address "${config.address}" must start with http:// or https://`);
    }
    this.#url = url;
    this.address = `${url.protocol}//${url.host}`;
    this.key = connectionKey(config);
    this.#config = config;
    this.#retry = { ...defaultRetryPolicy, ...config.retry };
    this.#clock = deps.clock ?? realClock;
    this.#random = deps.random ?? systemRandom;
    this.#onWarning = deps.onWarning;
    this.#onAttempt = deps.onAttempt;
    if (url.protocol === 'https:') {
      this.#transport = https;
      this.#agent = new https.Agent({
        keepAlive: true,
        ...(config.caCertPem ? { ca: config.caCertPem } : {}),
        ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
        rejectUnauthorized: config.skipTLSVerify !== true,
      });
    } else {
      this.#transport = http;
      this.#agent = new http.Agent({ keepAlive: true });
    }
  }

  /** The namespace sent by default (`X-Vault-Namespace`). */
  get namespace(): string | undefined {
    return this.#config.namespace;
  }

  // ---- logical paths -------------------------------------------------------------------

  read<T = Record<string, unknown>>(path: string, opts: RequestOptions = {}): Promise<VaultResponse<T>> {
    return this.request<T>('GET', path, opts);
  }

  write<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    opts: RequestOptions = {},
  ): Promise<VaultResponse<T>> {
    return this.request<T>('POST', path, { ...opts, body });
  }

  /** LIST as `GET ?list=true`: the keys under a path (folders end with `/`); [] when nothing is there. */
  async list(path: string, opts: RequestOptions = {}): Promise<string[]> {
    try {
      const res = await this.request<{ keys?: unknown }>('GET', path, {
        ...opts,
        query: { ...opts.query, list: 'true' },
      });
      const keys = res.data?.keys;
      return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    } catch (err) {
      // Vault answers 404 for a LIST with no children: an empty folder, not an error.
      if ((err as BackendError).errorClass === 'NotFound') return [];
      throw err;
    }
  }

  delete(path: string, opts: RequestOptions = {}): Promise<VaultResponse<Record<string, unknown>>> {
    return this.request('DELETE', path, opts);
  }

  // ---- auth and tokens ----------------------------------------------------------------

  /** `POST auth/{mount}/login` without a token; answers the `auth` block. */
  async login(
    mount: string,
    payload: Record<string, unknown>,
    opts: { namespace?: string } = {},
  ): Promise<VaultAuthInfo> {
    const res = await this.request('POST', `auth/${mount}/login`, { ...opts, body: payload, idempotent: true });
    if (!res.auth) throw this.#malformed('POST', `auth/${mount}/login`, 'carried no auth block');
    return res.auth;
  }

  async renewSelf(
    token: TokenLike,
    incrementSeconds?: number,
    opts: { namespace?: string } = {},
  ): Promise<VaultAuthInfo> {
    const body = incrementSeconds === undefined ? {} : { increment: `${Math.max(0, Math.round(incrementSeconds))}s` };
    const res = await this.request('POST', 'auth/token/renew-self', { ...opts, token, body, idempotent: true });
    if (!res.auth) throw this.#malformed('POST', 'auth/token/renew-self', 'carried no auth block');
    return res.auth;
  }

  async lookupSelf(token: TokenLike, opts: { namespace?: string } = {}): Promise<TokenLookup> {
    const res = await this.request<Record<string, unknown>>('GET', 'auth/token/lookup-self', { ...opts, token });
    const d = res.data ?? {};
    return {
      accessor: str(d.accessor),
      ttl: num(d.ttl),
      creationTtl: num(d.creation_ttl),
      explicitMaxTtl: num(d.explicit_max_ttl),
      expireTime: typeof d.expire_time === 'string' ? d.expire_time : undefined,
      renewable: d.renewable === true,
      policies: strings(d.policies),
      path: str(d.path),
      orphan: d.orphan === true,
      type: str(d.type),
    };
  }

  async revokeSelf(token: TokenLike, opts: { namespace?: string } = {}): Promise<void> {
    await this.request('POST', 'auth/token/revoke-self', { ...opts, token, idempotent: true });
  }

  // ---- leases ---------------------------------------------------------------------------

  async renewLease(
    token: TokenLike,
    leaseId: string,
    incrementSeconds: number,
    opts: { namespace?: string } = {},
  ): Promise<LeaseRenewal> {
    const res = await this.request('POST', 'sys/leases/renew', {
      ...opts,
      token,
      body: { lease_id: leaseId, increment: Math.max(0, Math.round(incrementSeconds)) },
      idempotent: true,
    });
    return {
      leaseId: res.leaseId || leaseId,
      leaseDuration: res.leaseDuration,
      renewable: res.renewable,
      warnings: res.warnings,
    };
  }

  /** Revokes a lease and waits for the backend to act (`sync: true`; the default is asynchronous). */
  async revokeLease(token: TokenLike, leaseId: string, opts: { namespace?: string } = {}): Promise<void> {
    await this.request('POST', 'sys/leases/revoke', {
      ...opts,
      token,
      body: { lease_id: leaseId, sync: true },
      idempotent: true,
    });
  }

  /** `sys/health`; a sealed or standby node answers with data too. Unreachable: Unavailable. */
  async health(opts: { signal?: AbortSignal } = {}): Promise<VaultHealth> {
    const call = this.#call('GET', 'sys/health');
    const answer = await this.#send('GET', 'sys/health', { ...opts, namespace: '' }, call);
    const b = (answer.body ?? {}) as Record<string, unknown>;
    if (typeof b.sealed !== 'boolean') throw classifyVaultResponse(answer.status, answer.body, call);
    return {
      initialized: b.initialized === true,
      sealed: b.sealed,
      standby: b.standby === true,
      version: str(b.version),
      clusterName: typeof b.cluster_name === 'string' ? b.cluster_name : undefined,
    };
  }

  // ---- the one request path --------------------------------------------------------------

  /** One logical call with classification and bounded retries. Every method above goes through here. */
  async request<T = Record<string, unknown>>(
    method: Method,
    path: string,
    opts: RequestOptions = {},
  ): Promise<VaultResponse<T>> {
    const call = this.#call(method, path);
    const idempotent = opts.idempotent ?? (method === 'GET' || method === 'DELETE');
    let retried412 = false;
    for (let attempt = 0; ; attempt++) {
      const holdMs = this.#notBeforeMs - this.#clock.now().getTime();
      if (holdMs > 0) throw this.#holdingOff(call, holdMs);
      let answer: RawAnswer | undefined;
      let error: BackendError;
      try {
        answer = await this.#send(method, path, opts, call);
        if (answer.status >= 200 && answer.status < 300) {
          this.#onAttempt?.({ method }, 'success');
          return this.#envelope<T>(answer, method, path);
        }
        error = classifyVaultResponse(answer.status, answer.body, call);
      } catch (err) {
        error = classifyTransportError(err, call);
      }
      this.#onAttempt?.({ method }, error.errorClass);
      if (opts.signal?.aborted) throw error;
      // 412: a performance standby has not caught up with a write yet; one quick retry covers it.
      if (answer?.status === 412) {
        if (retried412) throw error;
        retried412 = true;
        await this.#clock.sleep(50 + Math.round(100 * this.#random.random()), opts.signal);
        continue;
      }
      const retryAfterMs = answer?.retryAfterMs;
      if (retryAfterMs !== undefined) {
        this.#notBeforeMs = Math.max(this.#notBeforeMs, this.#clock.now().getTime() + retryAfterMs);
        // The work queue waits at least this long before the next reconcile (retryAfterHint).
        error = withRetryAfter(error, retryAfterMs);
      }
      if (attempt >= this.#retry.maxRetries || !mayResend(error, answer?.status, idempotent)) throw error;
      // A wait longer than this call may sleep is the work queue's to serve, not a retry's to cut short.
      if (retryAfterMs !== undefined && retryAfterMs > this.#retry.capMs) throw error;
      const backoff = retryDelay(attempt + 1, this.#retry, () => this.#random.random());
      await this.#clock.sleep(Math.max(backoff, retryAfterMs ?? 0), opts.signal);
    }
  }

  /** Stops keep-alive sockets. Calls after close still work (a new socket is opened). */
  close(): void {
    this.#agent.destroy();
  }

  #call(method: string, path: string): VaultCallInfo {
    return { method, path: path.replace(/^\/+/, ''), address: this.address };
  }

  /** A call not sent because Vault's Retry-After has not passed yet. */
  #holdingOff(call: VaultCallInfo, holdMs: number): BackendError {
    return new BackendError(
      'Throttled',
      'vault',
      `Vault at ${call.address} is rate limiting requests (${call.method} ${call.path}): it asked to wait before the next request (Retry-After)`,
      { retryAfterMs: holdMs },
    );
  }

  #malformed(method: string, path: string, what: string): BackendError {
    return classifyVaultResponse(502, { errors: [`the answer ${what}`] }, this.#call(method, path));
  }

  #envelope<T>(answer: RawAnswer, method: string, path: string): VaultResponse<T> {
    const b = (answer.body ?? {}) as Record<string, unknown>;
    const warnings = strings(b.warnings);
    for (const w of warnings) this.#onWarning?.(w, { method, path });
    return {
      status: answer.status,
      requestId: typeof b.request_id === 'string' ? b.request_id : undefined,
      data: (b.data ?? undefined) as T | undefined,
      leaseId: str(b.lease_id),
      leaseDuration: num(b.lease_duration),
      renewable: b.renewable === true,
      auth: parseAuth(b.auth),
      warnings,
    };
  }

  #send(method: Method, path: string, opts: RequestOptions, call: VaultCallInfo): Promise<RawAnswer> {
    const prefix = this.#url.pathname.replace(/\/+$/, '');
    let target = `${prefix}${encodeVaultPath(path)}`;
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query.set(k, String(v));
    if (query.size > 0) target += `?${query}`;

    const headers: Record<string, string> = { ...this.#config.headers, ...opts.headers, Accept: 'application/json' };
    const namespace = opts.namespace ?? this.#config.namespace;
    if (namespace) headers['X-Vault-Namespace'] = namespace;
    const token = tokenValue(opts.token);
    if (token) headers['X-Vault-Token'] = token;
    // Asks Vault for JSON errors even behind proxies that would otherwise answer HTML.
    headers['X-Vault-Request'] = 'true';
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body), 'utf8');
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }

    const timeoutMs = opts.timeoutMs ?? this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<RawAnswer>((resolve, reject) => {
      const req = this.#transport.request(
        {
          agent: this.#agent,
          protocol: this.#url.protocol,
          hostname: this.#url.hostname.replace(/^\[|\]$/g, ''),
          port: this.#url.port || (this.#url.protocol === 'https:' ? 443 : 80),
          method,
          path: target,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            opts.signal?.removeEventListener('abort', onAbort);
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            if (text.trim().length > 0) {
              try {
                body = JSON.parse(text);
              } catch {
                // A proxy's HTML error page: no detail worth surfacing, the status says enough.
                body = undefined;
              }
            }
            const retryAfter = Number(res.headers['retry-after']);
            resolve({
              status: res.statusCode ?? 0,
              body,
              retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
            });
          });
        },
      );
      const fail = (err: unknown) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      const onAbort = () => req.destroy(Object.assign(new Error('request aborted'), { code: 'ABORT_ERR' }));
      if (opts.signal?.aborted) onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(payload);
    }).catch((err: unknown) => {
      throw classifyTransportError(err, call);
    });
  }
}

/** The same error, carrying the wait Vault asked for (only transient classes are retried at all). */
function withRetryAfter(err: BackendError, retryAfterMs: number): BackendError {
  if (err.retryAfterMs !== undefined || (err.errorClass !== 'Throttled' && err.errorClass !== 'Unavailable'))
    return err;
  return new BackendError(err.errorClass, err.backend, err.message, {
    ...(err.cause !== undefined ? { cause: err.cause } : {}),
    retryAfterMs,
  });
}

function parseAuth(raw: unknown): VaultAuthInfo | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const a = raw as Record<string, unknown>;
  return {
    clientToken: str(a.client_token),
    accessor: str(a.accessor),
    policies: strings(a.policies),
    leaseDuration: num(a.lease_duration),
    renewable: a.renewable === true,
    orphan: a.orphan === true,
    tokenType: str(a.token_type),
    entityId: str(a.entity_id),
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
