// ESO's `caProvider`: the CA a store trusts, taken from one key of a Secret or a ConfigMap.
// Every provider that takes a CA checks and reads it here, so the namespace rule and the
// messages are the same for all: a SecretStore reads only its own namespace; a
// ClusterSecretStore reads the namespace the reference names, else the one of the resource
// using it (as the store's other references).

import type { CaProvider } from '../api/references.ts';
import { BackendError } from '../errors/backend-error.ts';
import type { ProviderContext, StoreRef } from './provider.ts';

export interface CaProviderOptions {
  /** The key read when the reference names none; without it `key` is required. */
  defaultKey?: string;
}

/** Static checks of the caProvider at `path`; each entry says what to fix. */
export function checkCaProvider(
  path: string,
  ref: Partial<CaProvider>,
  store: StoreRef,
  options: CaProviderOptions = {},
): string[] {
  const problems: string[] = [];
  if (ref.type !== 'Secret' && ref.type !== 'ConfigMap') {
    problems.push(`${path}.type must be Secret or ConfigMap, not "${String(ref.type)}"`);
  }
  if (!ref.name) problems.push(`${path}.name is required: the ${ref.type ?? 'Secret'} holding the CA`);
  if (!ref.key && !options.defaultKey) {
    problems.push(`${path}.key is required: the ${ref.type ?? 'Secret'} key holding the CA PEM`);
  }
  if (store.kind === 'SecretStore' && ref.namespace && ref.namespace !== store.namespace) {
    problems.push(
      `${path}.namespace must be empty or "${store.namespace}": a SecretStore cannot read other namespaces`,
    );
  }
  return problems;
}

/** The namespace the caProvider is read from (checkCaProvider has refused a SecretStore's other namespace). */
export function caProviderNamespace(ref: CaProvider, ctx: Pick<ProviderContext, 'store' | 'namespace'>): string {
  if (ctx.store.kind === 'ClusterSecretStore' && ref.namespace) return ref.namespace;
  return ctx.namespace;
}

/**
 * The CA PEM the caProvider names. A missing object or key, or one that holds no PEM
 * certificate, is the store's configuration to fix: InvalidInput, never NotFound (which a
 * caller could take for a remote secret gone).
 */
export async function readCaProvider(
  path: string,
  ref: CaProvider,
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  backend: string,
  options: CaProviderOptions = {},
): Promise<string> {
  const namespace = caProviderNamespace(ref, ctx);
  const key = ref.key || options.defaultKey || '';
  const selector = { name: ref.name, key };
  const read =
    ref.type === 'ConfigMap'
      ? ctx.kube.readConfigMapKey(namespace, selector)
      : ctx.kube.readSecretKey(namespace, selector);
  const bytes = await read.catch((err: unknown) => {
    if (err instanceof BackendError && err.errorClass === 'NotFound') {
      throw new BackendError('InvalidInput', backend, `${err.message}: ${path} needs it`, { cause: err });
    }
    throw err;
  });
  const pem = Buffer.from(bytes).toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BackendError(
      'InvalidInput',
      backend,
      `key "${key}" of ${ref.type} "${ref.name}" in namespace "${namespace}" holds no PEM certificate: ${path} must name a CA certificate`,
    );
  }
  return pem;
}
