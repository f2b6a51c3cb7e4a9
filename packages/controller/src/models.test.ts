// Both models are wired the same way (one ModelDeps in, one Model shape out), so the binary
// starts, reads and stops them without knowing which is which.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  clientRolloutRestarter,
  clientSecretApi,
  createKubeAccess,
  createMetrics,
  type ModelDeps,
  ResourceInformer,
  seededRandom,
} from '@lockstep/core';
import { FakeClock, InMemoryStatusPatcher, RecordingEvents, silentLogger } from '@lockstep/core/testing';
import { LocalTokenCipher, StorageEncryptionCipher, TokenManager } from '@lockstep/vault-native';
import type { Clients } from './clients.ts';
import { parseFlags } from './flags.ts';
import { createModels } from './models.ts';
import { createProviderRegistry } from './provider-registry.ts';

// Nothing is started: the API server is never called.
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }],
  users: [{ name: 'u', token: 't' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'));
const metrics = createMetrics({ clock });
const tokens = new TokenManager({ clock });
const flags = parseFlags(['--controller-namespace', 'lockstep-system', '--concurrency', '4'], {});
assert.ok(flags !== 'help');
const { registry, vault } = createProviderRegistry({ flags, kc, metrics, tokens });
const deps: ModelDeps = {
  kc,
  clock,
  random: seededRandom(1),
  log: silentLogger(),
  metrics,
  kube: createKubeAccess(kc),
  secretApi: clientSecretApi(kc),
  status: new InMemoryStatusPatcher(),
  events: new RecordingEvents(),
  rollout: clientRolloutRestarter(kc),
  macKey: randomBytes(32),
  managedSecrets: new ResourceInformer<V1Secret>({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Secret',
    plural: 'secrets',
  }),
  watchNamespaces: [],
  concurrency: flags.concurrency,
};
const clients: Clients = {
  deps,
  registry,
  vault,
  cipher: new StorageEncryptionCipher(new LocalTokenCipher(randomBytes(32))),
};
after(async () => {
  vault.stop();
  tokens.stop();
  await metrics.shutdown();
});

test('both models come back as controllers, shared informers, lease sources and a stop', () => {
  const models = createModels(flags, clients);
  assert.deepEqual(
    models.map((m) => m.controllers.map((c) => c.name)),
    [
      [
        'ExternalSecret',
        'SecretStore',
        'ClusterSecretStore',
        'ClusterExternalSecret',
        'PushSecret',
        'ClusterPushSecret',
        'GeneratorState',
      ],
      ['VaultConnection', 'VaultAuth', 'VaultStaticSecret', 'VaultPKISecret', 'VaultDynamicSecret'],
    ],
  );
  // generic reads Namespaces (ClusterSecretStore conditions, ClusterExternalSecret selectors).
  assert.deepEqual(
    models.map((m) => m.informers.length),
    [1, 0],
  );
  assert.deepEqual(
    models.flatMap((m) => m.leaseSources.map((s) => s.kind)),
    ['VaultDynamicSecret'],
  );
  for (const m of models) m.stop();
});

test('--enable-vault-native alone wires only the Vault-native engine', () => {
  const only = parseFlags(['--enable-vault-native'], {});
  assert.ok(only !== 'help');
  const models = createModels(only, clients);
  assert.deepEqual(
    models.flatMap((m) => m.controllers.map((c) => c.name)),
    ['VaultConnection', 'VaultAuth', 'VaultStaticSecret', 'VaultPKISecret', 'VaultDynamicSecret'],
  );
  for (const m of models) m.stop();
});
