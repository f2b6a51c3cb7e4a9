// The fault proxy in front of a real node:http server: what a client sees under each fault,
// what reaches the target, and the counts a test computes request rates from.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type FaultProxy, faults, requestRate, startFaultProxy } from './fault-proxy.ts';

interface Seen {
  method: string;
  path: string;
  body: string;
  host: string | undefined;
}

/** A target that echoes what it received, and remembers it. */
async function echoServer(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', path: req.url ?? '', body, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': 'yes' });
      // Two writes: the answer is streamed back (chunked), not buffered into one.
      res.write(`${req.method} ${req.url} `);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the request went out on a connection an earlier request had opened. */
  reused: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(
  url: string,
  opts: { method?: string; body?: string; chunks?: string[]; fresh?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: opts.fresh ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          reused: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    // A streamed body (chunked, no Content-Length) when given in chunks.
    for (const c of opts.chunks ?? []) req.write(c);
    req.end(opts.body);
  });
}

const errorCode = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );

describe('fault proxy', () => {
  let target: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;

  before(async () => {
    target = await echoServer();
    proxy = await startFaultProxy({ target: target.url });
  });
  after(async () => {
    agent.destroy();
    await proxy.close();
    await target.close();
  });

  test('pass forwards requests with streamed bodies over one keep-alive connection', async () => {
    proxy.setFault(faults.pass());
    const first = await call(`${proxy.url}/v1/a?x=1`, { method: 'POST', chunks: ['hello ', 'world'] });
    const second = await call(`${proxy.url}/v1/b`);
    assert.equal(first.status, 200);
    assert.equal(first.body, 'POST /v1/a?x=1 hello world');
    assert.equal(first.headers['x-echo'], 'yes');
    assert.equal(second.body, 'GET /v1/b ');
    assert.equal(second.reused, true, 'the client kept its connection to the proxy');
    assert.equal(target.seen.at(-2)?.host, `127.0.0.1:${proxy.port}`, 'the Host header is the one the client sent');
  });

  test('latency delays the request by at least the given time before the target sees it', async () => {
    proxy.setFault(faults.latency(300));
    const before = target.seen.length;
    const answer = await call(`${proxy.url}/slow`, { method: 'PUT', body: 'late' });
    assert.equal(answer.body, 'PUT /slow late');
    assert.equal(target.seen.length, before + 1);
    const arrived = proxy.requests().at(-1);
    assert.equal(arrived?.faulted, true);
    // A lower bound only: a timer never fires early, however loaded the machine.
    assert.ok(Date.now() - (arrived?.atMs ?? 0) >= 300);
  });

  test('reset drops the connection without forwarding: the client sees ECONNRESET', async () => {
    proxy.setFault(faults.reset());
    const before = target.seen.length;
    assert.equal(await errorCode(call(`${proxy.url}/reset`, { method: 'POST', body: 'x' })), 'ECONNRESET');
    assert.equal(target.seen.length, before, 'the target saw nothing');
  });

  test('status answers 429 with Retry-After and the given body without forwarding', async () => {
    const body = JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
    proxy.setFault(faults.status(429, { retryAfter: 3, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body }));
    const before = target.seen.length;
    const answer = await call(`${proxy.url}/throttled`, { method: 'POST', body: '{}' });
    assert.equal(answer.status, 429);
    assert.equal(answer.headers['retry-after'], '3');
    assert.equal(answer.headers['x-amzn-errortype'], 'ThrottlingException');
    assert.equal(answer.body, body);
    assert.equal(target.seen.length, before);
    // The answered request left its connection usable: the next one reuses it.
    proxy.setFault(faults.status(503));
    const again = await call(`${proxy.url}/unavailable`);
    assert.equal(again.status, 503);
    assert.equal(again.reused, true);
  });

  test('down resets open and new connections; pass brings the peer back on the same port', async () => {
    proxy.setFault(faults.pass());
    await call(`${proxy.url}/warm`);
    const down = proxy.setFault(faults.down());
    const before = target.seen.length;
    // The kept-alive connection was reset when the fault was set.
    assert.equal(await errorCode(call(`${proxy.url}/down-0`)), 'ECONNRESET');
    const attempts = proxy.windows()[down.index]?.requests ?? 0;
    assert.equal(await errorCode(call(`${proxy.url}/down-1`, { fresh: true })), 'ECONNRESET');
    assert.equal(await errorCode(call(`${proxy.url}/down-2`, { fresh: true })), 'ECONNRESET');
    assert.equal(target.seen.length, before);
    assert.equal(proxy.windows()[down.index]?.requests, attempts + 2, 'each new connection counts');
    proxy.setFault(faults.pass());
    assert.equal((await call(`${proxy.url}/back`)).body, 'GET /back ');
  });

  test('every k-th request is faulted when asked, the others pass', async () => {
    proxy.setFault(faults.status(500), { every: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(`${proxy.url}/k/${i}`)).status);
    assert.deepEqual(statuses, [200, 200, 500, 200, 200, 500]);
    assert.equal(proxy.current().faulted, 2);
  });

  test('a target that refuses connections makes the proxy reset the client', async () => {
    const gone = await echoServer();
    await gone.close();
    proxy.retarget(gone.url);
    proxy.setFault(faults.pass());
    assert.equal(await errorCode(call(`${proxy.url}/nobody`)), 'ECONNRESET');
    proxy.retarget(target.url);
    assert.equal((await call(`${proxy.url}/home`)).body, 'GET /home ');
  });

  test('windows count requests so a test can compute the rate of each', async () => {
    const w = proxy.setFault(faults.latency(1), { label: 'counted' });
    for (let i = 0; i < 4; i++) await call(`${proxy.url}/count/${i}`);
    proxy.setFault(faults.pass());
    const closed = proxy.windows()[w.index];
    assert.ok(closed);
    assert.equal(closed.label, 'counted');
    assert.equal(closed.requests, 4);
    assert.equal(closed.faulted, 4);
    assert.ok(closed.endMs !== undefined && closed.endMs >= closed.startMs);
    assert.equal(requestRate(closed), 4 / (((closed.endMs ?? 0) - closed.startMs) / 1000));
    assert.equal(proxy.requests().filter((r) => r.window === w.index).length, 4);
  });
});
