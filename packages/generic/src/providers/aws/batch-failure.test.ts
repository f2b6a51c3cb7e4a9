// A BatchGetSecretValue call that fails as a whole (AWS throttling, unreachable) fails each read
// with a message about its own secret: the same message whichever reads the batch joined, so
// an ExternalSecret's Ready condition does not change from one failed refresh to the next.
// A real node:http server answers as AWS does when it throttles.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, test } from 'node:test';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BackendError } from '@lockstep/core';
import { AwsSecretsManagerClient } from './client.ts';

let server: http.Server;
let endpoint: string;
let calls = 0;

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    calls++;
    res.writeHead(429, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
    res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(): AwsSecretsManagerClient {
  const sm = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  return new AwsSecretsManagerClient({
    sm,
    stsClients: [],
    credentials: undefined,
    spec: { service: 'SecretsManager', region: 'us-east-1' },
    options: { batchWindowMs: 10, listPageSize: 100 },
  });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => {
      assert.ok(err instanceof BackendError);
      return err;
    },
  );

test('a throttled batch fails each read with its own secret named, whatever joined the batch', async () => {
  const c = client();
  const before = calls;
  const [a, b] = await Promise.all([failure(c.getSecret({ key: 'app/a' })), failure(c.getSecret({ key: 'app/b' }))]);
  assert.equal(calls - before, 1, 'one batch call');
  assert.equal(a.errorClass, 'Throttled');
  assert.equal(a.message, 'AWS is throttling requests for secret "app/a" (ThrottlingException)');
  assert.equal(b.message, 'AWS is throttling requests for secret "app/b" (ThrottlingException)');
  // Alone in its batch, the read fails with the very same message.
  const alone = await failure(c.getSecret({ key: 'app/a' }));
  assert.equal(alone.message, a.message);
  await c.close();
});

test('a batch that fails before AWS answers keeps the error that says what to fix', async () => {
  const missing = new BackendError('NotFound', 'kubernetes', 'Secret "aws-creds" not found');
  const sm = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: () =>
      Promise.reject(
        new BackendError('InvalidInput', 'aws', `${missing.message}: the store's credentials reference needs it`, {
          cause: missing,
        }),
      ),
    maxAttempts: 1,
  });
  const c = new AwsSecretsManagerClient({
    sm,
    stsClients: [],
    credentials: undefined,
    spec: { service: 'SecretsManager', region: 'us-east-1' },
    options: { batchWindowMs: 10, listPageSize: 100 },
  });
  const err = await failure(c.getSecret({ key: 'app/a' }));
  assert.equal(err.errorClass, 'InvalidInput');
  assert.equal(err.message, `Secret "aws-creds" not found: the store's credentials reference needs it`);
  await c.close();
});
