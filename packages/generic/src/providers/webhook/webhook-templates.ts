// The templates of a webhook spec (url, headers, body, result.jsonPath), compiled once with
// core's Go-compatible engine and rendered per call. As in ESO, the url sees `.remoteRef`'s
// values query-escaped (Go's url.QueryEscape) and the other templates see them raw; the named
// secrets are offered unescaped everywhere. Unlike ESO, a missing key is an error (ESO prints
// `<no value>` into the request).

import type { CompiledTemplate, RemoteRef } from '@lockstep/core';
import { compileTemplate } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';

export interface WebhookTemplates {
  url: CompiledTemplate;
  headers: [name: string, value: CompiledTemplate][];
  body: CompiledTemplate | undefined;
  jsonPath: CompiledTemplate | undefined;
  /** Some template reads `property`: then it is the templates' input, not a property Lockstep selects. */
  readsProperty: boolean;
}

/** Secret name → key → value, as the templates see `.<name>.<key>`. */
export type TemplateSecrets = Record<string, Record<string, string>>;

/** Compiles every template of the spec; a TemplateError names the field (`url`, `headers.X`, …). */
export function compileWebhookTemplates(spec: WebhookSpec): WebhookTemplates {
  const headers = Object.entries(spec.headers ?? {}).map(([name, value]): [string, CompiledTemplate] => [
    name,
    compileTemplate(`headers.${name}`, value),
  ]);
  const texts = [spec.url, spec.body ?? '', spec.result?.jsonPath ?? '', ...Object.values(spec.headers ?? {})];
  return {
    url: compileTemplate('url', spec.url),
    headers,
    body: spec.body ? compileTemplate('body', spec.body) : undefined,
    jsonPath: spec.result?.jsonPath ? compileTemplate('result.jsonPath', spec.result.jsonPath) : undefined,
    readsProperty: texts.some((text) => /\bproperty\b/.test(text)),
  };
}

/** The templates' data: `.remoteRef.{key,version,property}` (absent for a generator) and the secrets. */
export function templateData(
  ref: RemoteRef | undefined,
  secrets: TemplateSecrets,
  encode: (value: string) => string = (value) => value,
): Record<string, unknown> {
  const data: Record<string, unknown> = { ...secrets };
  if (ref) {
    data.remoteRef = {
      key: encode(ref.key),
      version: encode(ref.version ?? ''),
      property: encode(ref.property ?? ''),
    };
  }
  return data;
}

/**
 * Go's url.QueryEscape: every byte of the UTF-8 text but letters, digits and `-_.~` becomes
 * %XX (upper case), a space becomes `+`. encodeURIComponent differs (it keeps `!'()*`).
 */
export function queryEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
