// How a webhook spec becomes a request: templates over .remoteRef and the labelled secrets,
// Go's query escaping in the url, and the secrets gate. A local server echoes what it got.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BackendError } from '@lockstep/core';
import type { WebhookSpec } from '../../api/provider-webhook.ts';
import { type LabelledSecret, WebhookCaller } from './webhook-caller.ts';
import { queryEscape } from './webhook-templates.ts';

let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          auth: req.headers.authorization ?? '',
          body: Buffer.concat(chunks).toString(),
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const labelled = { 'external-secrets.io/type': 'webhook' };
const secretsIn =
  (secrets: Record<string, { data: Record<string, string>; labels?: Record<string, string> }>) =>
  async (ref: { name: string }): Promise<LabelledSecret> => {
    const found = secrets[ref.name];
    if (!found) throw new BackendError('NotFound', 'kubernetes', `Secret "${ref.name}" not found in namespace "team"`);
    const data = Object.fromEntries(Object.entries(found.data).map(([k, v]) => [k, Buffer.from(v)]));
    return { namespace: 'team', data, labels: found.labels ?? {} };
  };

function caller(spec: Partial<WebhookSpec>, secrets: Parameters<typeof secretsIn>[0] = {}) {
  return new WebhookCaller({ url: `${base}/`, ...spec } as WebhookSpec, {
    ca: undefined,
    readSecret: secretsIn(secrets),
    now: Date.now,
  });
}

async function echo(c: WebhookCaller, ref = { key: 'db/main key', property: 'pass&word', version: 'v 2' }) {
  try {
    return JSON.parse(Buffer.from((await c.call(ref)).body).toString()) as Record<string, string>;
  } finally {
    c.close();
  }
}

describe('rendering a webhook request', () => {
  test('Go url.QueryEscape: only letters, digits and -_.~ stay; a space is +', () => {
    assert.equal(queryEscape("a b/c?d=e&f+g~h.i-j_k!'()*ü"), 'a+b%2Fc%3Fd%3De%26f%2Bg~h.i-j_k%21%27%28%29%2A%C3%BC');
  });

  test('the url sees .remoteRef query-escaped; headers and body see it raw; secrets are offered by name', async () => {
    const got = await echo(
      caller(
        {
          url: `${base}/s?key={{ .remoteRef.key }}&p={{ .remoteRef.property }}&v={{ .remoteRef.version }}`,
          method: 'post',
          headers: { Authorization: 'Basic {{ print .auth.username ":" .auth.password | b64enc }}' },
          body: '{"key":"{{ .remoteRef.key }}","p":"{{ .remoteRef.property }}"}',
          secrets: [{ name: 'auth', secretRef: { name: 'creds' } }],
        },
        { creds: { data: { username: 'u', password: 'p' }, labels: labelled } },
      ),
    );
    assert.deepEqual(got, {
      method: 'POST',
      url: '/s?key=db%2Fmain+key&p=pass%26word&v=v+2',
      auth: `Basic ${Buffer.from('u:p').toString('base64')}`,
      body: '{"key":"db/main key","p":"pass&word"}',
    });
  });

  test('a Secret without the webhook label is refused, named, and its values never sent', async () => {
    const c = caller(
      { url: `${base}/?t={{ .auth.token }}`, secrets: [{ name: 'auth', secretRef: { name: 'plain' } }] },
      { plain: { data: { token: 'unlabelled-token-value' } } },
    );
    await assert.rejects(c.call({ key: 'k' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.match(
        err.message,
        /Secret "plain" in namespace "team" \(secrets "auth"\) lacks the label external-secrets.io\/type=webhook/,
      );
      return true;
    });
    c.close();
  });

  test('a missing Secret is the configuration to fix, never a remote secret gone', async () => {
    const c = caller({ secrets: [{ name: 'auth', secretRef: { name: 'absent' } }] });
    await assert.rejects(c.call({ key: 'k' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.match(err.message, /Secret "absent" not found.*secrets "auth" needs it/);
      return true;
    });
    c.close();
  });

  test('a missing template key fails with its name (ESO would send "<no value>")', async () => {
    const c = caller(
      { url: `${base}/?t={{ .auth.nokey }}`, secrets: [{ name: 'auth', secretRef: { name: 's' } }] },
      {
        s: { data: { token: 'x' }, labels: labelled },
      },
    );
    await assert.rejects(c.call({ key: 'k' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'InvalidInput');
      assert.match(err.message, /nokey/);
      return true;
    });
    c.close();
  });

  test('a header whose rendering holds a line break is refused without quoting it', async () => {
    const c = caller(
      { headers: { 'X-Token': '{{ .auth.token }}' }, secrets: [{ name: 'auth', secretRef: { name: 's' } }] },
      { s: { data: { token: 'line-one\r\nInjected: header-value' }, labels: labelled } },
    );
    await assert.rejects(c.call({ key: 'k' }), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.match(err.message, /headers.X-Token .* renders to an invalid header/);
      assert.doesNotMatch(err.message, /line-one|Injected/);
      return true;
    });
    c.close();
  });

  test('a url that renders to something other than http(s) is refused', async () => {
    const c = caller({ url: 'file:///{{ .remoteRef.key }}' });
    await assert.rejects(c.call({ key: 'etc/passwd' }), /must render to an http:\/\/ or https:\/\/ URL/);
    c.close();
  });
});
