// The Parameter Store client's failure paths, which moto cannot produce: AWS throttling,
// a policy that denies GetParameters, an unreachable endpoint. A real node:http server answers
// as SSM does (JSON 1.1, the error name in x-amzn-errortype); the store spec checks need no peer.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SSMClient } from '@aws-sdk/client-ssm';
import { BackendError } from '@lockstep/core';
import { BatchReader } from './batch-reader.ts';
import { AwsParameterStoreClient } from './parameter-store-client.ts';
import { validateAwsSpec } from './provider.ts';

/** What the fake SSM answers for an operation (the X-Amz-Target after `AmazonSSM.`). */
type Answer = { status: number; error?: string; body?: object };
let answer: (operation: string, body: { Names?: string[]; Name?: string }) => Answer;
let server: http.Server;
let endpoint: string;
const calls: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace('AmazonSSM.', '');
      calls.push(operation);
      const { status, error, body } = answer(operation, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        ...(error ? { 'x-amzn-errortype': error } : {}),
      });
      res.end(JSON.stringify(error ? { __type: error, message: `${error} from the test server` } : body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(at = endpoint): AwsParameterStoreClient {
  const ssm = new SSMClient({
    endpoint: at,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  return new AwsParameterStoreClient({
    ssm,
    stsClients: [],
    credentials: undefined,
    spec: { service: 'ParameterStore', region: 'eu-west-1' },
    options: { batchWindowMs: 10 },
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

describe('parameter store failures', () => {
  test('a throttled GetParameters fails each read with its own parameter named, the same message whatever joined the batch', async () => {
    answer = () => ({ status: 400, error: 'ThrottlingException' });
    const c = client();
    const before = calls.length;
    const [a, b] = await Promise.all([
      failure(c.getSecret({ key: '/app/a' })),
      failure(c.getSecret({ key: '/app/b' })),
    ]);
    assert.deepEqual(calls.slice(before), ['GetParameters'], 'one batch call');
    assert.equal(a.errorClass, 'Throttled');
    assert.equal(
      a.message,
      'AWS is throttling requests for parameter "/app/a" in region eu-west-1 (ThrottlingException)',
    );
    assert.equal(
      b.message,
      'AWS is throttling requests for parameter "/app/b" in region eu-west-1 (ThrottlingException)',
    );
    const alone = await failure(c.getSecret({ key: '/app/a' }));
    assert.equal(alone.message, a.message, 'the same message whatever joined the batch');
    await c.close();
  });

  test('GetParameters denied by policy: reads go one by one with GetParameter from then on', async () => {
    answer = (operation, body) => {
      if (operation === 'GetParameters') return { status: 400, error: 'AccessDeniedException' };
      if (body.Name === '/app/gone') return { status: 400, error: 'ParameterNotFound' };
      return { status: 200, body: { Parameter: { Name: body.Name, Type: 'String', Value: `value of ${body.Name}` } } };
    };
    const c = client();
    const before = calls.length;
    const [a, gone] = await Promise.allSettled([c.getSecret({ key: '/app/a' }), c.getSecret({ key: '/app/gone' })]);
    assert.equal(a.status === 'fulfilled' && Buffer.from(a.value).toString(), 'value of /app/a');
    assert.ok(gone.status === 'rejected' && gone.reason instanceof BackendError);
    assert.equal(gone.reason.errorClass, 'NotFound');
    assert.equal(gone.reason.message, 'AWS Parameter Store: parameter "/app/gone" in region eu-west-1 not found');
    await c.getSecret({ key: '/app/b' });
    assert.deepEqual(calls.slice(before), ['GetParameters', 'GetParameter', 'GetParameter', 'GetParameter']);
    await c.close();
  });

  test('GetParametersByPath denied: find by name lists with DescribeParameters, as ESO falls back', async () => {
    answer = (operation) => {
      if (operation === 'GetParametersByPath') return { status: 400, error: 'AccessDeniedException' };
      if (operation === 'DescribeParameters') return { status: 200, body: { Parameters: [{ Name: '/app/x' }] } };
      return { status: 200, body: { Parameters: [{ Name: '/app/x', Value: 'x' }], InvalidParameters: [] } };
    };
    const c = client();
    const found = await c.getAllSecrets({ path: '/app', name: { regexp: 'x$' } });
    assert.deepEqual(Object.keys(found), ['/app/x']);
    await c.close();
  });

  test('access denied, an unreachable endpoint and an internal error are classified once', async () => {
    answer = () => ({ status: 400, error: 'AccessDeniedException' });
    const denied = await failure(client().getSecret({ key: '/app/a', version: '2' }));
    assert.equal(denied.errorClass, 'Forbidden');
    assert.match(denied.message, /^AWS denied access to parameter "\/app\/a:2" in region eu-west-1/);

    answer = () => ({ status: 500, error: 'InternalServerError' });
    assert.equal((await failure(client().getSecret({ key: '/app/a', version: '2' }))).errorClass, 'Unavailable');

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await failure(client(`http://127.0.0.1:${port}`).getSecret({ key: '/app/a' }));
    assert.equal(down.errorClass, 'Unavailable');
    assert.match(down.message, /^AWS unreachable or failing for parameter "\/app\/a" in region eu-west-1/);
  });
});

describe('batch reader', () => {
  test('sends a full batch at once, never more ids than the limit in one call, each id once', async () => {
    const batches: string[][] = [];
    const reader = new BatchReader<string>({
      windowMs: 5,
      maxBatch: 10,
      operation: 'GetParameters',
      fetch: async (ids) => {
        batches.push(ids);
        return new Map(ids.map((id) => [id, `v:${id}`]));
      },
    });
    const ids = Array.from({ length: 25 }, (_, i) => `/p/${i}`);
    // The first id asked twice while its batch is still open: one entry, one answer for both.
    const reads = [reader.read(ids[0] as string), ...ids.map((id) => reader.read(id))];
    const values = await Promise.all(reads);
    assert.deepEqual(values, [`v:/p/0`, ...ids.map((id) => `v:${id}`)]);
    assert.deepEqual(
      batches.map((b) => b.length),
      [10, 10, 5],
    );
  });

  test('an id the answer left out fails with the operation named', async () => {
    const reader = new BatchReader<string>({
      windowMs: 1,
      maxBatch: 10,
      operation: 'GetParameters',
      fetch: async () => new Map(),
    });
    await assert.rejects(reader.read('/p/x'), /GetParameters answered nothing for "\/p\/x"/);
  });
});

describe('parameter store spec', () => {
  const store = { kind: 'SecretStore' as const, name: 's', namespace: 'team-a' };
  const auth = {
    secretRef: {
      accessKeyIDSecretRef: { name: 'creds', key: 'id' },
      secretAccessKeySecretRef: { name: 'creds', key: 'secret' },
    },
  };

  test('service ParameterStore is served with the auth of Secrets Manager', () => {
    assert.deepEqual(validateAwsSpec({ service: 'ParameterStore', region: 'eu-west-1', auth }, store), []);
    const role = 'arn:aws:iam::123456789012:role/ssm-reader';
    const jwt = { jwt: { serviceAccountRef: { name: 'app' } } };
    assert.deepEqual(validateAwsSpec({ service: 'ParameterStore', region: 'eu-west-1', role, auth: jwt }, store), []);
  });

  test('Secrets Manager options on a Parameter Store say to remove them', () => {
    assert.deepEqual(
      validateAwsSpec(
        { service: 'ParameterStore', region: 'eu-west-1', auth, secretsManager: { forceDeleteWithoutRecovery: true } },
        store,
      ),
      ['spec.provider.aws.secretsManager applies to service SecretsManager only: remove it'],
    );
  });
});
