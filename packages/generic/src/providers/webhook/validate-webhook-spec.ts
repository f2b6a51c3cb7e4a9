// Static checks of a webhook spec, for the `webhook` store and the Webhook generator: each
// entry names the field and says what to fix. What needs the secrets (the rendered url, a
// templated jsonPath) is checked at call time.

import { DurationError, parseGoDuration, TemplateError } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';
import { compileJsonPath, JsonPathError } from './json-path.ts';
import { compileWebhookTemplates } from './webhook-templates.ts';

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_NAME = METHOD;

/** `namespaceRule(field, namespace)`: what a reference to another namespace must fix, if anything. */
export type NamespaceRule = (field: string, namespace: string | undefined) => string[];

export function validateWebhookSpec(spec: WebhookSpec, path: string, namespaceRule: NamespaceRule): string[] {
  const problems: string[] = [];
  if (!spec.url) problems.push(`${path}.url is required`);
  else if (!spec.url.trimStart().startsWith('{{') && !/^https?:\/\//i.test(spec.url.trim())) {
    problems.push(`${path}.url must start with https:// (or http://)`);
  }
  if (spec.method !== undefined && spec.method !== '' && !METHOD.test(spec.method)) {
    problems.push(`${path}.method "${spec.method}" is not an HTTP method`);
  }
  for (const name of Object.keys(spec.headers ?? {})) {
    if (!HEADER_NAME.test(name)) problems.push(`${path}.headers "${name}" is not a valid header name`);
  }
  try {
    compileWebhookTemplates(spec);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    problems.push(`${path}: ${err.message}`);
  }
  const jsonPath = spec.result?.jsonPath;
  if (jsonPath && !jsonPath.includes('{{')) {
    try {
      compileJsonPath(jsonPath);
    } catch (err) {
      if (!(err instanceof JsonPathError)) throw err;
      problems.push(`${path}.${err.message}`);
    }
  }
  if (spec.timeout !== undefined) {
    try {
      if (parseGoDuration(spec.timeout, 'timeout') <= 0) problems.push(`${path}.timeout must be more than 0`);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      problems.push(`${path}.timeout "${spec.timeout}" is not a duration like 10s`);
    }
  }
  const names = new Set<string>();
  (spec.secrets ?? []).forEach((entry, i) => {
    const at = `${path}.secrets[${i}]`;
    if (!entry.name) problems.push(`${at}.name is required`);
    else if (entry.name === 'remoteRef') problems.push(`${at}.name "remoteRef" is taken by the remote reference`);
    else if (names.has(entry.name)) problems.push(`${at}.name "${entry.name}" repeats an earlier entry`);
    names.add(entry.name);
    if (!entry.secretRef?.name) problems.push(`${at}.secretRef.name is required`);
    problems.push(...namespaceRule(`${at}.secretRef`, entry.secretRef?.namespace));
  });
  if (spec.auth?.ntlm) {
    problems.push(
      `${path}.auth.ntlm is not supported: send credentials in headers from secrets (e.g. Authorization: Basic)`,
    );
  }
  if (spec.caBundle && !/-----BEGIN CERTIFICATE-----/.test(Buffer.from(spec.caBundle, 'base64').toString('utf8'))) {
    problems.push(`${path}.caBundle must be a base64-encoded PEM certificate bundle`);
  }
  if (spec.caBundle && spec.caProvider) problems.push(`${path} sets both caBundle and caProvider: keep one`);
  return problems;
}
