import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { BackendError } from '../errors/backend-error.ts';
import type { Provider, ProviderContext, SecretsClient } from './provider.ts';
import type { ProviderRegistration } from './provider-registration.ts';
import { ProviderRegistry } from './registry.ts';

const ctx = {
  store: { kind: 'SecretStore' as const, name: 's', namespace: 'n' },
  namespace: 'n',
  kube: {} as ProviderContext['kube'],
};

/** A backend with one key; other keys are missing. */
function memoryProvider(name: string, report?: (operation: string, result: string) => void): Provider {
  const client: SecretsClient = {
    async getSecret(ref) {
      if (ref.key !== 'db') {
        report?.('Read', 'NotFound');
        throw new BackendError('NotFound', name, `${ref.key} not found`);
      }
      report?.('Read', 'success');
      return Buffer.from('v');
    },
    getSecretMap: async () => ({}),
    getAllSecrets: async () => ({}),
    validate: async () => ({ ok: true }),
    close: async () => {},
  };
  return {
    name,
    capabilities: 'ReadOnly',
    validateSpec: () => [],
    clientKey: () => name,
    newClient: async () => client,
  };
}

const registration = (
  name: string,
  metrics: 'client' | 'registry',
  provider = name,
): ProviderRegistration<{ tag: string }> => ({
  name,
  schema: Type.Object({ tag: Type.Optional(Type.String()) }),
  metrics,
  create: (_deps, setup) => memoryProvider(provider, metrics === 'client' ? setup.onCall : undefined),
});

/** Registers one provider with a registry that records its calls, reads a present and a missing key. */
async function callsOfTwoReads(metrics: 'client' | 'registry'): Promise<string[]> {
  const seen: string[] = [];
  const registry = new ProviderRegistry({ onCall: (p, op, result) => seen.push(`${p}/${op}/${result}`) });
  registry.register(registration('memory', metrics), { tag: 'x' });
  const client = await registry.provider('memory')?.newClient({}, ctx);
  assert.ok(client);
  await client.getSecret({ key: 'db' });
  await assert.rejects(client.getSecret({ key: 'gone' }), { errorClass: 'NotFound' });
  return seen;
}

test('a provider counted by the registry has each read of its client counted under its name', async () => {
  assert.deepEqual(await callsOfTwoReads('registry'), ['memory/GetSecret/success', 'memory/GetSecret/NotFound']);
});

test('a provider that counts its own calls reports them under its name, each once', async () => {
  assert.deepEqual(await callsOfTwoReads('client'), ['memory/Read/success', 'memory/Read/NotFound']);
});

test('a registration whose provider answers to another name is refused', () => {
  const registry = new ProviderRegistry();
  assert.throws(() => registry.register(registration('vault', 'registry', 'fake'), { tag: 'x' }), /registered under/);
});

test('a provider or generator registered twice is refused', () => {
  const registry = new ProviderRegistry();
  registry.register(registration('memory', 'registry'), { tag: 'x' });
  assert.throws(() => registry.register(registration('memory', 'client'), { tag: 'x' }), /registered twice/);
  const generator = { kind: 'Password', validateSpec: () => [], generate: async () => ({ data: {} }) };
  registry.registerGenerator(generator);
  assert.throws(() => registry.registerGenerator(generator), /registered twice/);
  assert.deepEqual(registry.generatorKinds(), ['Password']);
});
