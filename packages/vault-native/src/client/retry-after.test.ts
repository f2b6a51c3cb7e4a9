// Vault's Retry-After is honoured by the whole connection: a call waits what Vault asked for
// before its retry, a wait longer than a call may sleep goes to the work queue (the error
// carries it), and no other call of the connection is sent before it has passed. A real
// node:http server answers; time is a FakeClock.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { BackendError, retryAfterHint } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { VaultClient } from './vault-client.ts';

interface Vault {
  url: string;
  /** Answers for the next requests, in order; 200 with an empty secret once they run out. */
  script: Array<{ status: number; retryAfter?: string }>;
  seen: string[];
  close(): Promise<void>;
}

async function scriptedVault(): Promise<Vault> {
  const script: Vault['script'] = [];
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    seen.push(`${req.method} ${req.url}`);
    const next = script.shift() ?? { status: 200 };
    res.writeHead(next.status, {
      'content-type': 'application/json',
      ...(next.retryAfter ? { 'retry-after': next.retryAfter } : {}),
    });
    res.end(next.status === 200 ? '{"data":{}}' : '{"errors":["rate limit quota exceeded"]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    script,
    seen,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Lets I/O and promise chains run until `done` holds (the fake clock stands still meanwhile). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done(), 'the client did not get there');
}

async function throttled(p: Promise<unknown>): Promise<BackendError> {
  const err = await p.then(
    () => assert.fail('expected Throttled'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BackendError);
  assert.equal(err.errorClass, 'Throttled');
  return err;
}

describe('Retry-After from Vault', () => {
  let vault: Vault;
  before(async () => {
    vault = await scriptedVault();
  });
  after(() => vault.close());

  test('a 429 asking for longer than a retry may wait fails at once, and the work queue is told how long', async () => {
    const clock = new FakeClock();
    const client = new VaultClient({ address: vault.url }, { clock, random: { random: () => 0 } });
    vault.script.push({ status: 429, retryAfter: '10' });
    const before = vault.seen.length;
    const err = await throttled(client.renewLease('t', 'db/creds/app/1', 60));
    assert.equal(vault.seen.length - before, 1, 'no retry inside the call');
    assert.equal(retryAfterHint(err), 10_000);
    client.close();
  });

  test('no other call of the connection is sent before the wait has passed', async () => {
    const clock = new FakeClock();
    const client = new VaultClient({ address: vault.url }, { clock, random: { random: () => 0 } });
    vault.script.push({ status: 429, retryAfter: '10' });
    await throttled(client.read('kv/data/a', { token: 't' }));
    const sent = vault.seen.length;
    clock.advance(4_000);
    const held = await throttled(client.read('kv/data/b', { token: 't' }));
    assert.equal(vault.seen.length, sent, 'held back without a request');
    assert.equal(retryAfterHint(held), 6_000, 'for what is left of the wait');
    clock.advance(6_000);
    await client.read('kv/data/b', { token: 't' });
    assert.equal(vault.seen.length, sent + 1);
    client.close();
  });

  test('a short Retry-After is waited out before the retry, even when the backoff is shorter', async () => {
    const clock = new FakeClock();
    // Backoff 250 ms at most: Retry-After (2 s) must win.
    const client = new VaultClient({ address: vault.url }, { clock, random: { random: () => 0 } });
    vault.script.push({ status: 429, retryAfter: '2' });
    const before = vault.seen.length;
    const call = client.read('kv/data/c', { token: 't' });
    await until(() => vault.seen.length === before + 1 && clock.pendingTimers > 0);
    assert.equal(clock.nextDue()?.getTime(), clock.now().getTime() + 2_000);
    clock.advance(1_999);
    assert.equal(vault.seen.length, before + 1, 'no retry before Retry-After');
    clock.advance(1);
    await call;
    assert.equal(vault.seen.length, before + 2);
    client.close();
  });

  test('a 503 with Retry-After holds the connection too', async () => {
    const clock = new FakeClock();
    const client = new VaultClient({ address: vault.url, retry: { maxRetries: 0 } }, { clock });
    vault.script.push({ status: 503, retryAfter: '5' });
    const err = await client.read('kv/data/d', { token: 't' }).catch((e: BackendError) => e);
    assert.equal((err as BackendError).errorClass, 'Unavailable');
    assert.equal(retryAfterHint(err), 5_000);
    await throttled(client.read('kv/data/e', { token: 't' }));
    client.close();
  });
});
