// The `fake` provider (ESO's): static data from the store spec, for tests and demos.

import type { Provider, ProviderContext, ProviderRegistration, StoreRef } from '@lockstep/core';
import { FakeProviderSchema, type FakeProvider as FakeProviderSpec } from '../../api/provider-fake.ts';
import { stableKey } from '../client-key.ts';
import { FakeClient } from './client.ts';

export function validateFakeSpec(spec: FakeProviderSpec, _store?: StoreRef): string[] {
  if (!Array.isArray(spec.data)) return ['spec.provider.fake.data must be a list of {key, value, version}'];
  const problems: string[] = [];
  const seen = new Set<string>();
  spec.data.forEach((entry, i) => {
    const path = `spec.provider.fake.data[${i}]`;
    if (!entry.key) problems.push(`${path}.key is required`);
    if (entry.value === undefined) problems.push(`${path}.value is required`);
    const id = `${entry.key}@${entry.version ?? ''}`;
    if (entry.key && seen.has(id)) {
      problems.push(`${path} repeats key "${entry.key}"${entry.version ? ` version "${entry.version}"` : ''}`);
    }
    seen.add(id);
  });
  return problems;
}

/** The data is the whole identity of a fake store; it reads nothing from Kubernetes. */
export function fakeClientKey(spec: FakeProviderSpec, _ctx?: ProviderContext): string {
  return stableKey({ provider: 'fake', spec });
}

export const fakeProvider: Provider<FakeProviderSpec> = {
  name: 'fake',
  capabilities: 'ReadWrite',
  validateSpec: validateFakeSpec,
  clientKey: fakeClientKey,
  newClient: async (spec) => new FakeClient(spec),
};

/** Its reads are in memory: the registry counts each one. */
export const fakeRegistration: ProviderRegistration<unknown> = {
  name: 'fake',
  schema: FakeProviderSchema,
  metrics: 'registry',
  create: () => fakeProvider,
};
