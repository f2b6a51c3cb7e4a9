// Every HTTP attempt reaches `onAttempt` (the controller counts them in
// lockstep_provider_requests_total{provider="vault-http"}): retries included, each with the class
// it ended in, so a sealed Vault's request rate is visible when Vault's own metrics are not.
// A real node:http server answers.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { VaultClient } from './vault-client.ts';

describe('HTTP attempts to Vault', () => {
  let server: http.Server;
  let url: string;
  const answers: number[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      const status = answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"data":{}}' : '{"errors":["Vault is sealed"]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('are reported once each, retries included, with the class each ended in', async () => {
    const seen: string[] = [];
    const client = new VaultClient(
      { address: url, retry: { baseMs: 1, capMs: 1 } },
      { onAttempt: ({ method }, result) => seen.push(`${method} ${result}`) },
    );
    answers.push(503, 503);
    await client.renewLease('t', 'db/creds/app/1', 60);
    assert.deepEqual(seen, ['POST Unavailable', 'POST Unavailable', 'POST success']);
    client.close();
  });

  test('a refused connection counts as an attempt too', async () => {
    const seen: string[] = [];
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new VaultClient(
      { address: `http://127.0.0.1:${port}`, retry: { baseMs: 1, capMs: 1, maxRetries: 2 } },
      { onAttempt: ({ method }, result) => seen.push(`${method} ${result}`) },
    );
    await assert.rejects(client.renewLease('t', 'db/creds/app/1', 60));
    assert.deepEqual(seen, ['POST Unavailable', 'POST Unavailable', 'POST Unavailable']);
    client.close();
  });
});
