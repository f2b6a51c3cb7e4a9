// The `webhook` provider and the Webhook generator through the real `lockstep` binary,
// against the sandbox's HTTPS webhook server (started by this file, its CA made at start):
// templated url/headers/body with a labelled credentials Secret, jsonPath, extract, the CA
// from a ConfigMap or a Secret, one row per failure a user can cause, and the leak scan.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refusedPort, startWebhookServer, type WebhookServer } from '@lockstep/sandbox';
import { type E2e, startE2e, userSecret, waitForReady } from '../testing/e2e-harness.ts';
import { externalSecret, GENERATORS, secretStore } from '../testing/external-resources.ts';
import { waitFor } from '../testing/wait-for.ts';

const TOKEN = 'webhook-bearer-token-7f3a9c';
const LABEL = { 'external-secrets.io/type': 'webhook' };

describe('webhook provider and generator (sandbox HTTPS webhook server)', () => {
  let e: E2e;
  let hook: WebhookServer;
  let ns: string;

  /** A store calling the server with the bearer token from `webhook-credentials`, trusting its CA. */
  const hookStore = (name: string, webhook: object) =>
    e.apply(
      secretStore(ns, name, {
        webhook: {
          headers: { Authorization: 'Bearer {{ .auth.token }}' },
          secrets: [{ name: 'auth', secretRef: { name: 'webhook-credentials' } }],
          caProvider: { type: 'ConfigMap', name: 'webhook-ca', key: 'ca.crt' },
          ...webhook,
        },
      }),
    );
  const es = (name: string, spec: object) =>
    e.apply(externalSecret(ns, name, { refreshInterval: '2s', target: { name }, ...spec }));
  const failure = async (name: string) =>
    (await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name }, 'False', { reason: 'SecretSyncedError' }))
      .message ?? '';

  before(async () => {
    hook = await startWebhookServer();
    hook.requireToken(TOKEN);
    e = await startE2e({ file: 'webhook' });
    ns = await e.namespace('webhook');
    e.rememberSecretValues(TOKEN);
    await userSecret(e, ns, 'webhook-credentials', { token: TOKEN }, { labels: LABEL });
    await e.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'webhook-ca' }, data: { 'ca.crt': hook.caPem } },
    });
    await userSecret(e, ns, 'webhook-ca', { 'ca.crt': hook.caPem });
  });
  after(async () => {
    await e?.stop();
    await hook?.stop();
  });

  test('data, property, jsonPath over a POST body, and dataFrom extract', async () => {
    const db = { username: 'webhook-user', password: 'webhook-Passw0rd-1' };
    hook.set('db', db);
    hook.set('api-key', 'webhook-api-key-0001');
    e.rememberSecretValues(db.password, 'webhook-api-key-0001');
    await hookStore('hook', { url: `${hook.url}/secrets/{{ .remoteRef.key }}?version={{ .remoteRef.version }}` });
    await hookStore('hook-lookup', {
      url: `${hook.url}/lookup`,
      method: 'POST',
      body: '{"key":"{{ .remoteRef.key }}"}',
      result: { jsonPath: '$.password' },
    });
    await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'hook' }, 'True');

    await es('all-sources', {
      secretStoreRef: { name: 'hook' },
      data: [
        { secretKey: 'api', remoteRef: { key: 'api-key' } },
        { secretKey: 'user', remoteRef: { key: 'db', property: 'username' } },
        { secretKey: 'looked-up', remoteRef: { key: 'db' }, sourceRef: { storeRef: { name: 'hook-lookup' } } },
      ],
      dataFrom: [{ extract: { key: 'db' }, rewrite: [{ regexp: { source: '^', target: 'db_' } }] }],
    });
    const data = await waitFor('the Secret', () => e.secret(ns, 'all-sources'));
    assert.deepEqual(data, {
      api: 'webhook-api-key-0001',
      user: 'webhook-user',
      'looked-up': 'webhook-Passw0rd-1',
      db_username: 'webhook-user',
      db_password: 'webhook-Passw0rd-1',
    });
    const lookup = hook.requests().find((r) => r.path === '/lookup');
    assert.equal(lookup?.method, 'POST');
    assert.equal(lookup?.body, '{"key":"db"}');

    hook.set('db', { ...db, password: 'webhook-Passw0rd-2' });
    e.rememberSecretValues('webhook-Passw0rd-2');
    await waitFor(
      'the changed value at the next refresh',
      async () => (await e.secret(ns, 'all-sources'))?.db_password === 'webhook-Passw0rd-2',
      20_000,
    );
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'all-sources' }, 'True');
  });

  test('each failure a user can cause says what it is', async () => {
    const closed = await refusedPort();
    const rows: { name: string; store: object; data?: object; message: RegExp }[] = [
      {
        name: 'not-found',
        store: { url: `${hook.url}/secrets/{{ .remoteRef.key }}` },
        message: /remote secret not found/,
      },
      {
        name: 'throttled',
        store: { url: `${hook.url}/status/429?retryAfter=30` },
        message: /answered 429 and asked to wait 30 s/,
      },
      { name: 'server-error', store: { url: `${hook.url}/status/500` }, message: /answered 500; retrying/ },
      {
        name: 'redirect',
        store: { url: `${hook.url}/redirect?to=https://elsewhere.example/next` },
        message: /redirect to https:\/\/elsewhere\.example path \/next; Lockstep never follows redirects/,
      },
      { name: 'slow', store: { url: `${hook.url}/slow`, timeout: '1s' }, message: /did not answer within 1000 ms/ },
      { name: 'huge', store: { url: `${hook.url}/huge?bytes=3000000` }, message: /more than 1048576 bytes/ },
      {
        name: 'wrong-token',
        store: { url: `${hook.url}/secrets/{{ .remoteRef.key }}`, headers: { Authorization: 'Bearer wrong' } },
        message: /answered 403: the server refused the credentials/,
      },
      {
        name: 'unlabelled',
        store: {
          url: `${hook.url}/secrets/{{ .remoteRef.key }}`,
          secrets: [{ name: 'auth', secretRef: { name: 'unlabelled-credentials' } }],
        },
        message: /Secret "unlabelled-credentials" .* lacks the label external-secrets.io\/type=webhook/,
      },
      {
        name: 'not-json',
        store: { url: `${hook.url}/secrets/{{ .remoteRef.key }}` },
        data: { key: 'api-key', property: 'field' },
        message: /secret "api-key" is not JSON, so property "field" cannot be selected/,
      },
      {
        name: 'untrusted',
        store: { url: `${hook.url}/secrets/{{ .remoteRef.key }}`, caProvider: undefined },
        message: /TLS certificate Lockstep does not trust .*set caBundle or caProvider/,
      },
      {
        name: 'refused',
        store: { url: `https://127.0.0.1:${closed}/x` },
        message: /cannot be reached \(ECONNREFUSED\)/,
      },
    ];
    await userSecret(e, ns, 'unlabelled-credentials', { token: TOKEN });
    for (const row of rows) {
      await hookStore(`bad-${row.name}`, row.store);
      await es(`bad-${row.name}`, {
        secretStoreRef: { name: `bad-${row.name}` },
        data: [{ secretKey: 'v', remoteRef: row.data ?? { key: 'missing' } }],
      });
    }
    for (const row of rows) {
      assert.match(await failure(`bad-${row.name}`), row.message, row.name);
      assert.equal(await e.secret(ns, `bad-${row.name}`), undefined, `${row.name}: no Secret written`);
    }
    // The store itself says so when it cannot even connect or trust the server.
    const untrusted = await waitForReady(e, { kind: 'SecretStore', namespace: ns, name: 'bad-untrusted' }, 'False');
    assert.match(untrusted.message ?? '', /TLS certificate is not trusted/);
    // The unlabelled Secret's value was never sent: every request carried the right token or none of its own.
    assert.ok(hook.requests().every((r) => !String(r.headers.authorization ?? '').includes('unlabelled')));
  });

  test('the Webhook generator feeds dataFrom with a fresh answer (CA from a Secret or caBundle)', async () => {
    await e.apply({
      apiVersion: GENERATORS,
      kind: 'Webhook',
      metadata: { name: 'tokens', namespace: ns },
      spec: {
        url: `${hook.url}/generate`,
        headers: { Authorization: 'Bearer {{ .auth.token }}' },
        secrets: [{ name: 'auth', secretRef: { name: 'webhook-credentials' } }],
        caProvider: { type: 'Secret', name: 'webhook-ca', key: 'ca.crt' },
      },
    });
    const before = hook.generated();
    await es('generated', {
      refreshInterval: '1h',
      dataFrom: [
        {
          sourceRef: {
            generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Webhook', name: 'tokens' },
          },
        },
      ],
    });
    const data = await waitFor('the generated Secret', () => e.secret(ns, 'generated'));
    assert.match(data.token ?? '', /^generated-[0-9a-f]{16}$/);
    assert.ok(Number(data.serial) > before, 'the generator called the server');
    e.rememberSecretValues(data.token ?? '');
    await waitForReady(e, { kind: 'ExternalSecret', namespace: ns, name: 'generated' }, 'True');

    await e.apply({
      apiVersion: GENERATORS,
      kind: 'Webhook',
      metadata: { name: 'broken', namespace: ns },
      spec: { url: `${hook.url}/status/500`, caBundle: Buffer.from(hook.caPem).toString('base64') },
    });
    await es('generated-broken', { dataFrom: [{ sourceRef: { generatorRef: { kind: 'Webhook', name: 'broken' } } }] });
    assert.match(await failure('generated-broken'), /answered 500/);
  });

  test('no secret value appears in the controller log, Events or statuses', async () => {
    assert.deepEqual(await e.leaks(), []);
  });
});
