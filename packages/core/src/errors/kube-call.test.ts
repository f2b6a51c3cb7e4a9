// The Kubernetes call wrapper: what client-node throws becomes one BackendError per class,
// with one message format. HTTP answers are client-node's own ApiException as its generated
// clients throw it; the unreachable server is a real call to a closed port (no peer needed).

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { BackendError } from './backend-error.ts';
import { describeFailure } from './describe-failure.ts';
import { kubeCall, kubeError } from './kube-call.ts';

const SECRET = { verb: 'update', kind: 'Secret', name: 'db', namespace: 'apps' };

/** An API server answer as client-node hands it over: the Status body as text. */
function answer(code: number, reason: string, message: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
  return new ApiException(code, 'Unknown API Status Code!', body, headers);
}

function failing(err: unknown) {
  return kubeCall(SECRET, () => Promise.reject(err));
}

async function caught(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BackendError, `expected a BackendError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call did not fail');
}

describe('kubeCall: answers of the API server', () => {
  const cases: Array<[number, string, string, string, string]> = [
    [404, 'NotFound', 'secrets "db" not found', 'NotFound', 'Secret "db" not found in namespace "apps"'],
    [
      403,
      'Forbidden',
      'secrets "db" is forbidden: User "system:serviceaccount:lockstep:lockstep" cannot update resource "secrets"',
      'Forbidden',
      'cannot update Secret "db" in namespace "apps": access is forbidden: secrets "db" is forbidden: User "system:serviceaccount:lockstep:lockstep" cannot update resource "secrets"',
    ],
    [
      409,
      'Conflict',
      'Operation cannot be fulfilled on secrets "db": the object has been modified',
      'Conflict',
      'cannot update Secret "db" in namespace "apps": it was changed concurrently or already exists: Operation cannot be fulfilled on secrets "db": the object has been modified',
    ],
    [
      429,
      'TooManyRequests',
      'too many requests',
      'Throttled',
      'cannot update Secret "db" in namespace "apps": the API server is throttling requests: too many requests',
    ],
    [
      500,
      'InternalError',
      'Internal error occurred: etcdserver: request timed out',
      'Unavailable',
      'cannot update Secret "db" in namespace "apps": the API server failed (HTTP 500): Internal error occurred: etcdserver: request timed out',
    ],
    [
      422,
      'Invalid',
      'Secret "db" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters',
      'InvalidInput',
      'cannot update Secret "db" in namespace "apps": the API server rejected the request (HTTP 422): Secret "db" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters',
    ],
  ];
  for (const [code, reason, serverMessage, errorClass, message] of cases) {
    test(`HTTP ${code} is ${errorClass}, about the object and the action`, async () => {
      const err = await caught(failing(answer(code, reason, serverMessage)));
      assert.equal(err.errorClass, errorClass);
      assert.equal(err.backend, 'kubernetes');
      assert.equal(err.message, message);
      assert.ok(err.cause instanceof ApiException, 'the answer stays the cause, for the log');
    });
  }

  test('a Status body already parsed reads the same', async () => {
    const parsed = new ApiException(403, 'Forbidden', { message: 'nope' }, {});
    assert.equal(
      (await caught(failing(parsed))).message,
      'cannot update Secret "db" in namespace "apps": access is forbidden: nope',
    );
  });

  test('a body that is not a Status is left out of the message', async () => {
    const html = new ApiException(502, 'Bad Gateway', '<html>proxy said no to Bearer abc.def.ghi</html>', {});
    const err = await caught(failing(html));
    assert.equal(err.message, 'cannot update Secret "db" in namespace "apps": the API server failed (HTTP 502)');
  });

  test("a 429's Retry-After becomes the work queue's floor", async () => {
    const err = await caught(failing(answer(429, 'TooManyRequests', 'slow down', { 'Retry-After': '7' })));
    assert.equal(err.retryAfterMs, 7000);
  });

  test('401 says the credentials were refused', async () => {
    const err = await caught(failing(answer(401, 'Unauthorized', 'Unauthorized')));
    assert.equal(err.errorClass, 'Forbidden');
    assert.match(err.message, /^cannot update Secret "db" in namespace "apps": the API server refused the credentials/);
  });

  test('an object without a name or namespace is named by its kind', () => {
    const err = kubeError(answer(403, 'Forbidden', ''), { verb: 'list', kind: 'Secret' });
    assert.equal(err.message, 'cannot list Secrets: access is forbidden');
  });
});

describe('kubeCall: calls that got no answer', () => {
  test('a refused connection is Unavailable, named by its code (a real call to a closed port)', async () => {
    const port = await closedPort();
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: 'gone', server: `https://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: 'u', token: 't' },
    );
    const api = kc.makeApiClient(CoreV1Api);
    const err = await caught(kubeCall(SECRET, () => api.readNamespacedSecret({ name: 'db', namespace: 'apps' })));
    assert.equal(err.errorClass, 'Unavailable');
    assert.equal(
      err.message,
      'cannot update Secret "db" in namespace "apps": the Kubernetes API server is unreachable (ECONNREFUSED)',
    );
    assert.equal(describeFailure(err).reason, 'KubernetesUnavailable');
    assert.equal(describeFailure(err).retry, true);
  });

  test('an untrusted server certificate is InvalidInput: only a corrected CA fixes it', async () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const err = await caught(failing(new TypeError('fetch failed', { cause: tls })));
    assert.equal(err.errorClass, 'InvalidInput');
    assert.equal(
      err.message,
      `cannot update Secret "db" in namespace "apps": the API server's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)`,
    );
  });

  test('an unknown error is Unavailable (retried) and named by its type; its text stays in the cause', async () => {
    const raw = new Error('unexpected token in "password: hunter2"');
    const err = await caught(failing(raw));
    assert.equal(err.errorClass, 'Unavailable');
    assert.equal(
      err.message,
      'cannot update Secret "db" in namespace "apps": unexpected error (Error); see the controller log',
    );
    assert.equal(err.cause, raw);
  });

  test('a BackendError passes through unchanged', async () => {
    const original = new BackendError('Throttled', 'kubernetes', 'slow down');
    assert.equal(await caught(failing(original)), original);
  });

  test('a successful call answers its value', async () => {
    assert.equal(await kubeCall(SECRET, async () => 42), 42);
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}
