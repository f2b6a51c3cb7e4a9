import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Namespace } from '@kubernetes/client-node';
import { BackendError, type KubeAccess, ProviderRegistry } from '@lockstep/core';
import { fakeGenerator } from '../generators/fake.ts';
import { stsSessionTokenGenerator } from '../generators/sts-session-token.ts';
import { type GeneratorReader, generatorSource } from './generator-source.ts';
import { MapCache } from './testing/fakes.ts';

const kube = {} as KubeAccess;
const keys = {
  accessKeyIDSecretRef: { name: 'aws', key: 'id', namespace: 'ops' },
  secretAccessKeySecretRef: { name: 'aws', key: 'secret', namespace: 'ops' },
};

function registry(): ProviderRegistry {
  const r = new ProviderRegistry();
  r.registerGenerator(fakeGenerator);
  r.registerGenerator(stsSessionTokenGenerator);
  return r;
}

function namespaces(): MapCache<V1Namespace> {
  const cache = new MapCache<V1Namespace>();
  cache.set({ metadata: { name: 'team-a', labels: { tier: 'gold' } } });
  cache.set({ metadata: { name: 'team-b' } });
  return cache;
}

function objects(specs: Record<string, unknown>): GeneratorReader {
  return async (namespace, ref) => {
    const id =
      ref.kind === 'ClusterGenerator' ? `ClusterGenerator/${ref.name}` : `${namespace}/${ref.kind}/${ref.name}`;
    if (!(id in specs)) throw new BackendError('InvalidInput', 'kubernetes', `${id} not found`);
    return specs[id];
  };
}

const run = (specs: Record<string, unknown>, namespace: string, kind: string, name: string) =>
  generatorSource(registry(), objects(specs), kube, namespaces())(namespace, { kind, name });

test('a ClusterGenerator runs its wrapped kind from any namespace', async () => {
  const specs = { 'ClusterGenerator/f': { kind: 'Fake', generator: { fakeSpec: { data: { user: 'app' } } } } };
  for (const ns of ['team-a', 'team-b']) {
    const data = await run(specs, ns, 'ClusterGenerator', 'f');
    assert.equal(Buffer.from(data.user ?? []).toString(), 'app');
  }
});

test('its conditions are enforced as a ClusterSecretStore’s', async () => {
  const specs = {
    'ClusterGenerator/f': {
      kind: 'Fake',
      generator: { fakeSpec: { data: { user: 'app' } } },
      conditions: [{ namespaceSelector: { matchLabels: { tier: 'gold' } } }],
    },
  };
  assert.ok(await run(specs, 'team-a', 'ClusterGenerator', 'f'));
  await assert.rejects(run(specs, 'team-b', 'ClusterGenerator', 'f'), {
    message: 'ClusterGenerator "f" does not allow namespace "team-b" (see its spec.conditions)',
  });
});

test('credentials in another namespace need conditions that say who may use them', async () => {
  const spec = {
    kind: 'STSSessionToken',
    generator: { stsSessionTokenSpec: { region: 'us-east-1', auth: { secretRef: keys } } },
  };
  await assert.rejects(run({ 'ClusterGenerator/sts': spec }, 'team-b', 'ClusterGenerator', 'sts'), {
    message: /^ClusterGenerator "sts" reads credentials from namespace "ops" for every namespace: set spec.conditions/,
  });
  const limited = { ...spec, conditions: [{ namespaces: ['team-a'] }] };
  await assert.rejects(run({ 'ClusterGenerator/sts': limited }, 'team-b', 'ClusterGenerator', 'sts'), {
    message: /does not allow namespace "team-b"/,
  });
});

test('a namespaced generator never reads another namespace', async () => {
  const specs = { 'team-a/STSSessionToken/sts': { region: 'us-east-1', auth: { secretRef: keys } } };
  await assert.rejects(run(specs, 'team-a', 'STSSessionToken', 'sts'), {
    message:
      /^STSSessionToken "sts": a reference names namespace "ops"; a generator in namespace "team-a" reads only its own namespace/,
  });
});

test('spec.generator must hold the spec of spec.kind', async () => {
  const specs = { 'ClusterGenerator/x': { kind: 'UUID', generator: { fakeSpec: {} } } };
  await assert.rejects(run(specs, 'team-a', 'ClusterGenerator', 'x'), {
    message: 'ClusterGenerator "x": spec.kind is UUID, so spec.generator needs uuidSpec',
  });
});

test('a wrapped spec is validated by its generator', async () => {
  const specs = {
    'ClusterGenerator/sts': { kind: 'STSSessionToken', generator: { stsSessionTokenSpec: { region: 'us-east-1' } } },
  };
  await assert.rejects(run(specs, 'team-a', 'ClusterGenerator', 'sts'), {
    message: /^ClusterGenerator "sts": spec.auth is required/,
  });
});
