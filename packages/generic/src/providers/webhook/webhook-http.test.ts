// The bounds and the error classes of one webhook exchange, against a real local HTTP server.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BackendError } from '@lockstep/core';
import { exchange, retryAfter, WebhookAgents } from './webhook-http.ts';

let server: Server;
let base: string;
const held: (() => void)[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = url.pathname;
    if (route === '/ok') res.end('{"a":"b"}');
    else if (route === '/echo') req.pipe(res);
    else if (route.startsWith('/status/')) {
      const retry = url.searchParams.get('retryAfter');
      res.writeHead(Number(route.slice(8)), retry ? { 'retry-after': retry } : {}).end();
    } else if (route === '/redirect') res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    else if (route === '/declared-huge') res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end();
    else if (route === '/chunked-huge') {
      res.on('error', () => {});
      for (let i = 0; i < 40; i++) res.write('x'.repeat(64 * 1024));
      res.end();
    } else if (route === '/slow') held.push(() => res.end());
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const release of held) release();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const agents = new WebhookAgents(undefined);
after(() => agents.destroy());

function call(path: string, opts: { timeoutMs?: number; maxBytes?: number; method?: string; body?: string } = {}) {
  return exchange(
    {
      method: opts.method ?? 'GET',
      url: new URL(`${base}${path}`),
      headers: {},
      body: opts.body === undefined ? undefined : Buffer.from(opts.body),
    },
    {
      agents,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxBytes: opts.maxBytes ?? 1024 * 1024,
      what: 'the webhook (url "u")',
      now: () => Date.parse('2026-01-01T00:00:00Z'),
    },
  );
}

function rejectsWith(errorClass: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof BackendError, `a BackendError, got ${String(err)}`);
    assert.equal(err.errorClass, errorClass);
    assert.match(err.message, message);
    return true;
  };
}

describe('one webhook exchange', () => {
  test('answers the body of a 2xx and sends the body it is given', async () => {
    assert.equal(Buffer.from(await call('/ok')).toString(), '{"a":"b"}');
    assert.equal(Buffer.from(await call('/echo', { method: 'POST', body: 'hello' })).toString(), 'hello');
  });

  test('classifies statuses: 404 not found, 401/403 forbidden, 429 throttled with Retry-After, 5xx unavailable', async () => {
    await assert.rejects(call('/status/404'), rejectsWith('NotFound', /answered 404/));
    await assert.rejects(call('/status/401'), rejectsWith('Forbidden', /refused the credentials/));
    await assert.rejects(call('/status/403'), rejectsWith('Forbidden', /answered 403/));
    await assert.rejects(call('/status/429?retryAfter=7'), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.errorClass, 'Throttled');
      assert.equal(err.retryAfterMs, 7000);
      assert.match(err.message, /asked to wait 7 s/);
      return true;
    });
    await assert.rejects(call('/status/500'), rejectsWith('Unavailable', /answered 500/));
    await assert.rejects(call('/status/400'), rejectsWith('InvalidInput', /check url, method, headers and body/));
  });

  test('never follows a redirect, and names its target without the query', async () => {
    await assert.rejects(
      call('/redirect?to=https://elsewhere.example/next%3Ftoken%3Dx'),
      rejectsWith('InvalidInput', /redirect to https:\/\/elsewhere\.example path \/next.*never follows redirects/),
    );
    await assert.rejects(
      call(`/redirect?to=${encodeURIComponent('https://elsewhere.example/p?token=s3cr3t-token')}`),
      (err: unknown) => {
        assert.ok(err instanceof BackendError);
        assert.doesNotMatch(err.message, /s3cr3t-token/);
        return true;
      },
    );
    await assert.rejects(call('/redirect?to=/other'), rejectsWith('InvalidInput', /the same server path \/other/));
  });

  test('refuses an answer over the size bound, declared or streamed', async () => {
    await assert.rejects(call('/declared-huge'), rejectsWith('InvalidInput', /more than 1048576 bytes/));
    await assert.rejects(call('/chunked-huge'), rejectsWith('InvalidInput', /more than 1048576 bytes/));
  });

  test('gives up when the whole exchange outlasts the timeout', async () => {
    await assert.rejects(call('/slow', { timeoutMs: 100 }), rejectsWith('Unavailable', /did not answer within 100 ms/));
  });

  test('a refused connection is unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      exchange(
        { method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), headers: {}, body: undefined },
        { agents, timeoutMs: 5000, maxBytes: 10, what: 'the webhook', now: Date.now },
      ),
      rejectsWith('Unavailable', /cannot be reached \(ECONNREFUSED\)/),
    );
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test('reads seconds and HTTP dates', () => {
    assert.equal(retryAfter('3', now), 3000);
    assert.equal(retryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(retryAfter('soon', now), undefined);
    assert.equal(retryAfter(undefined, now), undefined);
  });
});
