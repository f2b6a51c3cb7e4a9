// KubeAccess against the embedded API server of the sandbox (KUBECONFIG from the global
// setup). Refusals, throttling and server failures cannot be provoked on that server (it
// has no RBAC), so those classes are checked against a bare HTTP server answering kube
// Status bodies; the client-node HTTP stack itself is never replaced. An unreachable server is
// covered by errors/kube-call.test.ts (a real call to a closed port, no peer needed).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFromEnv } from '@lockstep/sandbox';
import { BackendError } from '../errors/backend-error.ts';
import { kubeError } from '../errors/kube-call.ts';
import { createKubeAccess } from './client-kube-access.ts';

const admin = kubeConfigFromEnv();
const core = admin.makeApiClient(CoreV1Api);
const access = createKubeAccess(admin);
const ns = `kube-access-${randomUUID().slice(0, 8)}`;

function isClass(errorClass: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof BackendError, `expected a BackendError, got ${String(err)}`);
    assert.equal(err.errorClass, errorClass);
    assert.equal(err.backend, 'kubernetes');
    if (message) assert.match(err.message, message);
    return true;
  };
}

before(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'creds' },
      data: {
        username: Buffer.from('app').toString('base64'),
        blob: Buffer.from([0, 255, 10]).toString('base64'),
      },
    },
  });
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: { name: 'trust' },
      data: { 'ca.crt': 'PEM TEXT' },
      binaryData: { 'ca.der': Buffer.from([0, 255, 10]).toString('base64') },
    },
  });
});

after(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => {});
});

describe('KubeAccess over client-node', () => {
  test('reads a whole Secret as decoded bytes', async () => {
    const data = await access.readSecret(ns, 'creds');
    assert.deepEqual(Object.keys(data).sort(), ['blob', 'username']);
    assert.equal(Buffer.from(data.username as Uint8Array).toString(), 'app');
    assert.deepEqual([...(data.blob as Uint8Array)], [0, 255, 10]);
  });

  test('reads one key of a Secret', async () => {
    const value = await access.readSecretKey(ns, { name: 'creds', key: 'username' });
    assert.equal(Buffer.from(value).toString(), 'app');
  });

  test('a missing Secret is NotFound in words the user knows', async () => {
    await assert.rejects(
      access.readSecret(ns, 'nope'),
      isClass('NotFound', new RegExp(`^Secret "nope" not found in namespace "${ns}"$`)),
    );
  });

  test('a missing key is NotFound and names the key', async () => {
    await assert.rejects(
      access.readSecretKey(ns, { name: 'creds', key: 'password' }),
      isClass('NotFound', new RegExp(`key "password" not found in Secret "creds" in namespace "${ns}"`)),
    );
  });

  test('reads one key of a ConfigMap, from data or binaryData', async () => {
    assert.equal(
      Buffer.from(await access.readConfigMapKey(ns, { name: 'trust', key: 'ca.crt' })).toString(),
      'PEM TEXT',
    );
    assert.deepEqual([...(await access.readConfigMapKey(ns, { name: 'trust', key: 'ca.der' }))], [0, 255, 10]);
  });

  test('a missing ConfigMap or ConfigMap key is NotFound and names it', async () => {
    await assert.rejects(
      access.readConfigMapKey(ns, { name: 'nope', key: 'ca.crt' }),
      isClass('NotFound', new RegExp(`^ConfigMap "nope" not found in namespace "${ns}"$`)),
    );
    await assert.rejects(
      access.readConfigMapKey(ns, { name: 'trust', key: 'tls.crt' }),
      isClass('NotFound', new RegExp(`key "tls.crt" not found in ConfigMap "trust" in namespace "${ns}"`)),
    );
  });

  test('requests a service account token with the asked audiences', async () => {
    const { token, expiresAt } = await access.requestServiceAccountToken({
      namespace: ns,
      serviceAccountName: 'reader',
      audiences: ['vault'],
      expirationSeconds: 600,
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    assert.equal(claims.sub, `system:serviceaccount:${ns}:reader`);
    assert.deepEqual(claims.aud, ['vault']);
    assert.ok(expiresAt.getTime() > Date.now());
  });

  test('a token for a missing service account is NotFound', async () => {
    await assert.rejects(
      access.requestServiceAccountToken({
        namespace: ns,
        serviceAccountName: 'ghost',
        audiences: [],
        expirationSeconds: 600,
      }),
      isClass('NotFound', new RegExp(`ServiceAccount "ghost" not found in namespace "${ns}"`)),
    );
  });

  test('an untrusted server certificate is InvalidInput', async () => {
    const cluster = admin.getCurrentCluster();
    assert.ok(cluster);
    const kc = new KubeConfig();
    // The sandbox CA is left out: the system roots do not trust it.
    kc.loadFromClusterAndUser(
      { name: 'untrusted', server: cluster.server, skipTLSVerify: false },
      { name: 'u', token: 't' },
    );
    await assert.rejects(createKubeAccess(kc).readSecret(ns, 'creds'), isClass('InvalidInput', /certificate/));
  });
});

describe('KubeAccess classification of API server answers', () => {
  let server: Server;
  let kc: KubeConfig;
  const answers = new Map<string, { code: number; reason: string }>([
    ['throttled', { code: 429, reason: 'TooManyRequests' }],
    ['broken', { code: 503, reason: 'ServiceUnavailable' }],
    ['denied', { code: 403, reason: 'Forbidden' }],
    ['stranger', { code: 401, reason: 'Unauthorized' }],
    ['racy', { code: 409, reason: 'Conflict' }],
    ['bad', { code: 422, reason: 'Invalid' }],
  ]);

  before(async () => {
    server = createServer((req, res) => {
      const name = req.url?.split('/').pop() ?? '';
      const answer = answers.get(name) ?? { code: 404, reason: 'NotFound' };
      res.writeHead(answer.code, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: answer.code,
          reason: answer.reason,
          message: `secrets "${name}" says ${answer.reason}`,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kc = new KubeConfig();
    // client-node only talks plain HTTP with skipTLSVerify set.
    kc.loadFromClusterAndUser(
      { name: 'plain', server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      { name: 'u', token: 't' },
    );
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const cases: [string, string, RegExp][] = [
    ['throttled', 'Throttled', /throttling/],
    ['broken', 'Unavailable', /HTTP 503/],
    [
      'denied',
      'Forbidden',
      /^cannot read Secret "denied" in namespace "ns": access is forbidden: secrets "denied" says Forbidden$/,
    ],
    ['stranger', 'Forbidden', /refused the credentials/],
    ['racy', 'Conflict', /changed concurrently/],
    ['bad', 'InvalidInput', /rejected the request/],
    ['missing', 'NotFound', /^Secret "missing" not found in namespace "ns"$/],
  ];
  for (const [name, errorClass, message] of cases) {
    test(`HTTP answer for "${name}" is ${errorClass}`, async () => {
      await assert.rejects(createKubeAccess(kc).readSecret('ns', name), isClass(errorClass, message));
    });
  }

  test('an error already classified passes through unchanged', () => {
    const original = new BackendError('Throttled', 'kubernetes', 'slow down');
    assert.equal(kubeError(original, { verb: 'read', kind: 'Secret' }), original);
  });
});
