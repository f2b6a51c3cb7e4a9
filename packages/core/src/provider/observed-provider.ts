// Call metrics for providers whose clients do not report their own calls (registration
// `metrics: 'registry'`): every read that reaches the client (after read coalescing) counts
// once in lockstep_provider_requests_total.

import { BackendError } from '../errors/backend-error.ts';
import type { Provider, SecretsClient } from './provider.ts';
import type { ProviderCallObserver } from './provider-registration.ts';

export function observedProvider(provider: Provider, observe: ProviderCallObserver): Provider {
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    validateSpec: (spec, store) => provider.validateSpec(spec, store),
    clientKey: (spec, ctx) => provider.clientKey(spec, ctx),
    newClient: async (spec, ctx) => observedClient(await provider.newClient(spec, ctx), observe),
    ...(provider.insecureTransport ? { insecureTransport: (spec) => provider.insecureTransport?.(spec) } : {}),
  };
}

function observedClient(inner: SecretsClient, observe: ProviderCallObserver): SecretsClient {
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const result = await fn();
      observe(operation, 'success');
      return result;
    } catch (err) {
      observe(operation, err instanceof BackendError ? err.errorClass : 'error');
      throw err;
    }
  };
  const { pushSecret, deleteSecret, checkPushMetadata } = inner;
  return {
    getSecret: (ref) => call('GetSecret', () => inner.getSecret(ref)),
    getSecretMap: (ref) => call('GetSecretMap', () => inner.getSecretMap(ref)),
    getAllSecrets: (find) => call('GetAllSecrets', () => inner.getAllSecrets(find)),
    ...(pushSecret
      ? { pushSecret: (value, ref, opts) => call('PushSecret', () => pushSecret.call(inner, value, ref, opts)) }
      : {}),
    ...(deleteSecret
      ? { deleteSecret: (ref, opts) => call('DeleteSecret', () => deleteSecret.call(inner, ref, opts)) }
      : {}),
    ...(checkPushMetadata ? { checkPushMetadata: (metadata) => checkPushMetadata.call(inner, metadata) } : {}),
    validate: () => inner.validate(),
    close: () => inner.close(),
  };
}
