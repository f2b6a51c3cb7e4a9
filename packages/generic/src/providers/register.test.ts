import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { ProviderRegistry } from '@lockstep/core';
import { registerGenericProviders } from './register.ts';

const ctx = { store: { kind: 'SecretStore' as const, name: 's', namespace: 'n' }, namespace: 'n', kube: {} as never };

test('registers aws, fake and kubernetes and the Password and Fake generators next to providers of other packages', () => {
  const registry = new ProviderRegistry();
  registerGenericProviders(registry);
  assert.deepEqual(registry.providerNames(), ['aws', 'azurekv', 'fake', 'kubernetes', 'webhook']);
  assert.deepEqual(registry.generatorKinds(), [
    'ECRAuthorizationToken',
    'Fake',
    'Password',
    'SSHKey',
    'STSSessionToken',
    'UUID',
    'Webhook',
  ]);
  assert.equal(registry.provider('aws')?.capabilities, 'ReadWrite');
  assert.throws(() => registerGenericProviders(registry), /registered twice/);
});

test('reports each backend call with the provider it belongs to', async () => {
  // An endpoint nobody listens on: the call fails for real, and is reported as Unavailable.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${port}`;
  process.env.AWS_MAX_ATTEMPTS = '1';

  const seen: string[] = [];
  const registry = new ProviderRegistry({
    onCall: (provider, operation, result) => seen.push(`${provider}/${operation}/${result}`),
  });
  registerGenericProviders(registry);
  const aws = registry.provider('aws');
  assert.ok(aws);
  const client = await aws.newClient(
    {
      service: 'SecretsManager',
      region: 'us-east-1',
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'c', key: 'id' },
          secretAccessKeySecretRef: { name: 'c', key: 'secret' },
        },
      },
    },
    {
      ...ctx,
      kube: {
        readSecretKey: async () => new TextEncoder().encode('testing'),
        readSecret: async () => ({}),
        readConfigMapKey: async () => new Uint8Array(),
        requestServiceAccountToken: async () => ({ token: '', expiresAt: new Date() }),
        readSecretWithLabels: async () => ({ data: {}, labels: {} }),
      },
    },
  );
  await assert.rejects(client.getSecret({ key: 'anything' }), { errorClass: 'Unavailable' });
  await client.close();
  assert.deepEqual(seen, ['aws/BatchGetSecretValue/Unavailable']);
});
