// A provider is registered once, with everything it brings: the binary's registry, the store
// CRDs' `spec.provider` union, docs/providers.md and the call metrics all follow STORE_PROVIDERS.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { createMetrics, realClock } from '@lockstep/core';
import { TokenManager } from '@lockstep/vault-native';
import { crdSchema } from './manifests/crd-validator.ts';
import { renderCrds } from './manifests/render-crds.ts';
import { createProviderRegistry, STORE_PROVIDERS } from './provider-registry.ts';

const names = STORE_PROVIDERS.map((p) => p.name);
const metrics = createMetrics({ clock: realClock });
const tokens = new TokenManager({ clock: realClock });
const { registry, vault } = createProviderRegistry({
  flags: { allowClusterStoreAmbientCredentials: false, refuseInsecureTransport: false },
  kc: new KubeConfig(),
  metrics,
  tokens,
});
after(async () => {
  vault.stop();
  tokens.stop();
  await metrics.shutdown();
});

test('the binary registers exactly the providers of STORE_PROVIDERS, each through its registration', () => {
  assert.deepEqual(registry.providerNames(), [...names].sort());
  assert.deepEqual(registry.generatorKinds(), [
    'ECRAuthorizationToken',
    'Fake',
    'Password',
    'SSHKey',
    'STSSessionToken',
    'UUID',
    'VaultDynamicSecret',
    'Webhook',
  ]);
  assert.ok(registry.leasedGenerator('VaultDynamicSecret'), 'vault-native serves it on the lease engine');
});

test('every registered provider has its schema in the spec.provider union of both store CRDs', () => {
  for (const kind of ['SecretStore', 'ClusterSecretStore']) {
    const crd = renderCrds().find((r) => r.source.kind === kind);
    assert.ok(crd, kind);
    const spec = (crdSchema(crd.crd).properties as Record<string, { properties: Record<string, unknown> }>).spec;
    const provider = spec?.properties.provider as { properties: Record<string, { type?: string }> };
    assert.deepEqual(Object.keys(provider.properties), names, `${kind} spec.provider`);
    for (const p of STORE_PROVIDERS) {
      assert.equal(
        (p.schema as { type?: unknown }).type,
        'object',
        `${p.name}: its schema is the object under spec.provider.${p.name}`,
      );
      assert.equal(provider.properties[p.name]?.type, 'object', `${kind} spec.provider.${p.name}`);
    }
  }
});

test('every registered provider has its own section in docs/providers.md', () => {
  const docs = readFileSync(join(import.meta.dirname, '../../../docs/providers.md'), 'utf8');
  const sections = [...docs.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
  for (const name of names) assert.ok(sections.includes(name), `docs/providers.md has no "## ${name}" section`);
});

test('every registered provider says how its calls reach lockstep_provider_requests_total', () => {
  for (const p of STORE_PROVIDERS) {
    assert.ok(p.metrics === 'client' || p.metrics === 'registry', `${p.name}: metrics is ${String(p.metrics)}`);
  }
});
