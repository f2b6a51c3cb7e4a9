// Provider call metrics for providers that do not report their own calls (vault, fake):
// every read that reaches the provider's client (after read coalescing) counts once in
// lockstep_provider_requests_total. aws and kubernetes report each backend API call
// themselves (BatchGetSecretValue, ListSecrets, …) and are registered unchanged.

import { BackendError, type Provider, ProviderRegistry, type SecretsClient } from '@lockstep/core';

export type ProviderCallObserver = (provider: string, operation: string, result: string) => void;

export class ObservedProviderRegistry extends ProviderRegistry {
  readonly #observe: ProviderCallObserver;
  readonly #wrap: ReadonlySet<string>;

  constructor(observe: ProviderCallObserver, wrap: readonly string[]) {
    super();
    this.#observe = observe;
    this.#wrap = new Set(wrap);
  }

  override registerProvider(provider: Provider): void {
    super.registerProvider(this.#wrap.has(provider.name) ? observedProvider(provider, this.#observe) : provider);
  }
}

export function observedProvider(provider: Provider, observe: ProviderCallObserver): Provider {
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    validateSpec: (spec, store) => provider.validateSpec(spec, store),
    clientKey: (spec, ctx) => provider.clientKey(spec, ctx),
    newClient: async (spec, ctx) => observedClient(await provider.newClient(spec, ctx), provider.name, observe),
    ...(provider.insecureTransport ? { insecureTransport: (spec) => provider.insecureTransport?.(spec) } : {}),
  };
}

function observedClient(inner: SecretsClient, name: string, observe: ProviderCallObserver): SecretsClient {
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const result = await fn();
      observe(name, operation, 'success');
      return result;
    } catch (err) {
      observe(name, operation, err instanceof BackendError ? err.errorClass : 'error');
      throw err;
    }
  };
  return {
    getSecret: (ref) => call('GetSecret', () => inner.getSecret(ref)),
    getSecretMap: (ref) => call('GetSecretMap', () => inner.getSecretMap(ref)),
    getAllSecrets: (find) => call('GetAllSecrets', () => inner.getAllSecrets(find)),
    ...(inner.pushSecret
      ? { pushSecret: (value, ref) => call('PushSecret', () => inner.pushSecret!(value, ref)) }
      : {}),
    ...(inner.deleteSecret ? { deleteSecret: (ref) => call('DeleteSecret', () => inner.deleteSecret!(ref)) } : {}),
    validate: () => inner.validate(),
    close: () => inner.close(),
  };
}
