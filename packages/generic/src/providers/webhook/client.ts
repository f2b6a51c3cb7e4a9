// The `webhook` store's client: every read is one call of the webhook (coalesced by the
// registry like any provider's). Read-only, as ESO v0.16's: no find, no push.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { BackendError, type FindRef, type RemoteRef, type SecretMap, type SecretsClient } from '@lockstep/core';
import { selectProperty } from '../json-property.ts';
import type { WebhookCaller } from './webhook-caller.ts';
import { TLS_CODES } from './webhook-http.ts';
import { resultMap, resultValue } from './webhook-result.ts';

/** How long validate() waits for the connection (and TLS handshake). */
const VALIDATE_TIMEOUT_MS = 5_000;

export class WebhookClient implements SecretsClient {
  readonly #caller: WebhookCaller;
  readonly #ca: string | undefined;

  constructor(caller: WebhookCaller, ca: string | undefined) {
    this.#caller = caller;
    this.#ca = ca;
  }

  /**
   * The answer, or the value `result.jsonPath` selects in it. `property` is offered to the
   * templates; when none of them reads it, Lockstep selects it from the (JSON) value instead,
   * so it is never silently ignored.
   */
  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const { body, jsonPath } = await this.#caller.call(ref);
    const value = resultValue(body, jsonPath, `${this.#caller.what}'s answer for key "${ref.key}"`);
    if (ref.property && !this.#caller.templates.readsProperty) {
      return selectProperty('webhook', ref.key, value, ref.property);
    }
    return value;
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    const { body, jsonPath } = await this.#caller.call(ref);
    return resultMap(body, jsonPath, `${this.#caller.what}'s answer for key "${ref.key}"`);
  }

  async getAllSecrets(_find: FindRef): Promise<SecretMap> {
    throw new BackendError(
      'InvalidInput',
      'webhook',
      'the webhook provider cannot list secrets (dataFrom.find): name each one with data or dataFrom.extract',
    );
  }

  /**
   * ESO dials the url's host. Lockstep also completes the TLS handshake with the trusted CA,
   * so a wrong caBundle shows on the store, not only on each ExternalSecret. A host that is
   * itself a template cannot be checked before a read.
   */
  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    let url: URL;
    try {
      url = new URL(this.#caller.spec.url);
    } catch {
      return { ok: true };
    }
    if (url.hostname.includes('{{') || url.port.includes('{{')) return { ok: true };
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const problem = await connects(url.protocol === 'https:', host, port, this.#ca);
    return problem ? { ok: false, message: `${this.#caller.what}: ${problem}` } : { ok: true };
  }

  async close(): Promise<void> {
    this.#caller.close();
  }
}

/** Undefined when a connection (and for https a verified handshake) succeeds; else why not. */
function connects(secure: boolean, host: string, port: number, ca: string | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = secure
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(ca ? { ca } : {}) })
      : net.connect({ host, port });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(
      () => done(`${host}:${port} did not answer within ${VALIDATE_TIMEOUT_MS} ms`),
      VALIDATE_TIMEOUT_MS,
    );
    socket.once(secure ? 'secureConnect' : 'connect', () => done(undefined));
    socket.once('error', (err: Error & { code?: string }) => {
      const code = err.code ?? err.name;
      if (TLS_CODES.test(code)) {
        done(
          `the server's TLS certificate is not trusted (${code}): set caBundle or caProvider to the CA that signed it`,
        );
      } else done(`${host}:${port} cannot be reached (${code})`);
    });
  });
}
