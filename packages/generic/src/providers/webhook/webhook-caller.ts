// One webhook configuration, ready to call: its templates compiled once, its agents (and so
// its connections and trusted CA) kept. The `webhook` store's client and the Webhook generator
// both call through it, so they render, bound and classify the same way.

import { BackendError, DurationError, parseGoDuration, type RemoteRef, TemplateError } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';
import { type CallObserver, observed } from '../call-observer.ts';
import { tryUtf8 } from '../json-property.ts';
import { type CompiledJsonPath, compileJsonPath, JsonPathError } from './json-path.ts';
import {
  DEFAULT_TIMEOUT_MS,
  exchange,
  MAX_RESPONSE_BYTES,
  WebhookAgents,
  type WebhookRequest,
} from './webhook-http.ts';
import {
  compileWebhookTemplates,
  queryEscape,
  type TemplateSecrets,
  templateData,
  type WebhookTemplates,
} from './webhook-templates.ts';

/**
 * ESO's label on a Secret that a webhook may read: `secrets[]` sends Secret values to a URL
 * the store's author chose, so only Secrets labelled for that purpose can be named.
 */
export const WEBHOOK_SECRET_LABEL = 'external-secrets.io/type';

export interface LabelledSecret {
  namespace: string;
  data: Record<string, Uint8Array>;
  labels: Record<string, string>;
}

export interface WebhookCallerOptions {
  /** Trusted CA bundle (PEM) for https, instead of the system roots. */
  ca: string | undefined;
  /** Reads the Secret a `secrets[]` entry names, from the namespace its owner may read. */
  readSecret(ref: { name: string; namespace?: string }): Promise<LabelledSecret>;
  onCall?: CallObserver;
  now: () => number;
  /** Largest answer read; default 1 MiB. */
  maxBytes?: number;
}

export interface WebhookAnswer {
  body: Uint8Array;
  /** `result.jsonPath` as rendered for this call; undefined when the spec has none. */
  jsonPath: CompiledJsonPath | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class WebhookCaller {
  readonly spec: WebhookSpec;
  readonly templates: WebhookTemplates;
  /** How messages name this webhook: by its url template, never by a rendered url. */
  readonly what: string;
  readonly #opts: WebhookCallerOptions;
  readonly #agents: WebhookAgents;
  readonly #timeoutMs: number;

  /** Throws InvalidInput when a template does not compile or the timeout is not a duration. */
  constructor(spec: WebhookSpec, opts: WebhookCallerOptions) {
    this.spec = spec;
    this.what = `the webhook (url "${spec.url}")`;
    this.templates = asInvalidInput(() => compileWebhookTemplates(spec));
    this.#timeoutMs = spec.timeout ? asInvalidInput(() => parseGoDuration(spec.timeout ?? '', 'timeout')) : 0;
    if (this.#timeoutMs <= 0) this.#timeoutMs = DEFAULT_TIMEOUT_MS;
    this.#opts = opts;
    this.#agents = new WebhookAgents(opts.ca);
  }

  /** Renders the templates for `ref` (none for a generator) and calls the webhook once. */
  async call(ref: RemoteRef | undefined): Promise<WebhookAnswer> {
    const secrets = await this.#templateSecrets();
    const raw = templateData(ref, secrets);
    const request = this.#render(raw, templateData(ref, secrets, queryEscape));
    const jsonPath = this.templates.jsonPath
      ? asInvalidInput(() =>
          compileJsonPath(
            this.templates.jsonPath?.execute(raw, { missingKey: 'error' }) ?? '',
            this.spec.result?.jsonPath,
          ),
        )
      : undefined;
    const body = await observed(
      this.#opts.onCall,
      'HTTPRequest',
      () =>
        exchange(request, {
          agents: this.#agents,
          timeoutMs: this.#timeoutMs,
          maxBytes: this.#opts.maxBytes ?? MAX_RESPONSE_BYTES,
          what: this.what,
          now: this.#opts.now,
        }),
      (err) => new BackendError('Unavailable', 'webhook', `${this.what} failed: ${String(err)}`),
    );
    return { body, jsonPath };
  }

  close(): void {
    this.#agents.destroy();
  }

  #render(raw: Record<string, unknown>, escaped: Record<string, unknown>): WebhookRequest {
    const { templates } = this;
    const urlText = asInvalidInput(() => templates.url.execute(escaped, { missingKey: 'error' }));
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new BackendError('InvalidInput', 'webhook', `url of ${this.what} does not render to a valid URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new BackendError(
        'InvalidInput',
        'webhook',
        `url of ${this.what} must render to an http:// or https:// URL`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, template] of templates.headers) {
      const value = asInvalidInput(() => template.execute(raw, { missingKey: 'error' }));
      // Named, never quoted: the value may hold a credential.
      if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) {
        throw new BackendError(
          'InvalidInput',
          'webhook',
          `headers.${name} of ${this.what} renders to an invalid header (line breaks or control characters in the value?)`,
        );
      }
      headers[name] = value;
    }
    const body = templates.body
      ? asInvalidInput(() => templates.body?.executeBytes(raw, { missingKey: 'error' }))
      : undefined;
    return { method: (this.spec.method || 'GET').toUpperCase(), url, headers, body };
  }

  /** Every `secrets[]` entry's Secret, read for this call so a rotated credential is used at once. */
  async #templateSecrets(): Promise<TemplateSecrets> {
    const secrets: TemplateSecrets = {};
    for (const entry of this.spec.secrets ?? []) {
      const ref = entry.secretRef;
      const secret = await this.#opts.readSecret(ref).catch((err: unknown) => {
        // A missing credentials Secret is the configuration to fix, never a remote secret gone.
        if (err instanceof BackendError && err.errorClass === 'NotFound') {
          throw new BackendError('InvalidInput', 'webhook', `${err.message}: secrets "${entry.name}" needs it`, {
            cause: err,
          });
        }
        throw err;
      });
      if (secret.labels[WEBHOOK_SECRET_LABEL] !== 'webhook') {
        throw new BackendError(
          'InvalidInput',
          'webhook',
          `Secret "${ref.name}" in namespace "${secret.namespace}" (secrets "${entry.name}") lacks the label ${WEBHOOK_SECRET_LABEL}=webhook: label it to let webhooks send its values`,
        );
      }
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(secret.data)) {
        values[key] = tryUtf8(value) ?? Buffer.from(value).toString('latin1');
      }
      secrets[entry.name] = values;
    }
    return secrets;
  }
}

function asInvalidInput<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof TemplateError || err instanceof JsonPathError || err instanceof DurationError) {
      throw new BackendError('InvalidInput', 'webhook', (err as Error).message, { cause: err });
    }
    throw err;
  }
}
