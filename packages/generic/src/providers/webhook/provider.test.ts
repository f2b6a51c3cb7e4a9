// The `webhook` store's and the Webhook generator's spec checks, and the store's client key.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeAccess, ProviderContext, StoreRef } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';
import { validateWebhookGeneratorSpec } from '../../generators/webhook.ts';
import { createWebhookProvider, validateWebhookStoreSpec, webhookClientKey } from './provider.ts';

const store: StoreRef = { kind: 'SecretStore', name: 'hook', namespace: 'team' };
const cluster: StoreRef = { kind: 'ClusterSecretStore', name: 'hook' };
const spec = (extra: Partial<WebhookSpec> = {}): WebhookSpec => ({
  url: 'https://api.example/secrets/{{ .remoteRef.key }}',
  ...extra,
});

describe('webhook store spec', () => {
  test('an ESO example store is valid', () => {
    assert.deepEqual(
      validateWebhookStoreSpec(
        spec({
          url: 'https://httpbin.example/get?parameter={{ .remoteRef.key }}',
          result: { jsonPath: '$.args.parameter' },
          headers: {
            'Content-Type': 'application/json',
            Authorization: 'Basic {{ print .auth.username ":" .auth.password | b64enc }}',
          },
          secrets: [{ name: 'auth', secretRef: { name: 'webhook-credentials' } }],
          timeout: '5s',
        }),
        store,
      ),
      [],
    );
  });

  test('each problem names its field and what to fix', () => {
    const problems = validateWebhookStoreSpec(
      spec({
        url: 'ftp://files.example/{{ .remoteRef.key',
        method: 'GET POST',
        headers: { 'Bad Header': 'x' },
        result: { jsonPath: '$.data[?match(@.k, "a+")]' },
        timeout: 'soon',
        secrets: [
          { name: 'auth', secretRef: { name: 'a', namespace: 'other' } },
          { name: 'auth', secretRef: { name: 'b' } },
          { name: 'remoteRef', secretRef: { name: 'c' } },
        ],
        auth: { ntlm: { usernameSecret: { name: 'n', key: 'u' }, passwordSecret: { name: 'n', key: 'p' } } },
        caBundle: Buffer.from('not a certificate').toString('base64'),
        caProvider: { type: 'ConfigMap', name: 'ca', namespace: 'other' },
      }),
      store,
    );
    const expected = [
      /url must start with https:\/\//,
      /method "GET POST" is not an HTTP method/,
      /headers "Bad Header" is not a valid header name/,
      /spec.provider.webhook: template: url/,
      /result.jsonPath .* uses match\(\)/,
      /timeout "soon" is not a duration/,
      /secrets\[0\].secretRef.namespace must be empty or "team"/,
      /secrets\[1\].name "auth" repeats an earlier entry/,
      /secrets\[2\].name "remoteRef" is taken/,
      /auth.ntlm is not supported/,
      /caBundle must be a base64-encoded PEM/,
      /sets both caBundle and caProvider/,
      /caProvider.namespace must be empty or "team"/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `${pattern} in:\n${problems.join('\n')}`,
      );
    }
  });

  test('a ClusterSecretStore may name the namespaces of its secrets', () => {
    assert.deepEqual(
      validateWebhookStoreSpec(spec({ secrets: [{ name: 'a', secretRef: { name: 's', namespace: 'ops' } }] }), cluster),
      [],
    );
  });

  test('plain http is flagged as cleartext', () => {
    const provider = createWebhookProvider();
    assert.match(provider.insecureTransport?.(spec({ url: 'http://api/x' })) ?? '', /plain http/);
    assert.equal(provider.insecureTransport?.(spec()), undefined);
  });
});

describe('webhook client key', () => {
  const ctx = (namespace: string, kind: StoreRef['kind'] = 'ClusterSecretStore'): ProviderContext => ({
    store: kind === 'SecretStore' ? store : cluster,
    namespace,
    kube: {} as KubeAccess,
  });

  test('a cluster store whose secrets name their namespace shares one client across namespaces', () => {
    const s = spec({ secrets: [{ name: 'a', secretRef: { name: 's', namespace: 'ops' } }] });
    assert.equal(webhookClientKey(s, ctx('one')), webhookClientKey(s, ctx('two')));
  });

  test('secrets read from the ExternalSecret namespace make the namespace part of the identity', () => {
    const s = spec({ secrets: [{ name: 'a', secretRef: { name: 's' } }] });
    assert.notEqual(webhookClientKey(s, ctx('one')), webhookClientKey(s, ctx('two')));
  });
});

describe('Webhook generator spec', () => {
  test("the ESO documentation's generator is valid", () => {
    assert.deepEqual(
      validateWebhookGeneratorSpec({
        url: 'https://httpbin.example/get?parameter={{ .auth.param }}',
        result: { jsonPath: '$.args' },
        headers: { 'Content-Type': 'application/json' },
        secrets: [{ name: 'auth', secretRef: { name: 'webhook-credentials' } }],
      }),
      [],
    );
  });

  test('a generator reads its own namespace only', () => {
    const problems = validateWebhookGeneratorSpec({
      url: 'https://api/x',
      secrets: [{ name: 'a', secretRef: { name: 's', namespace: 'ops' } }],
      caProvider: { type: 'Secret', name: 'ca', namespace: 'ops' },
    });
    assert.deepEqual(problems, [
      'spec.secrets[0].secretRef.namespace must be empty: a Webhook generator reads its own namespace only',
      'spec.caProvider.namespace must be empty: a Webhook generator reads its own namespace only',
    ]);
  });
});
