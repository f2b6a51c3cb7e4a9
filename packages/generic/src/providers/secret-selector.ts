// Where a store's credential references live. A namespaced SecretStore reads only its own
// namespace; a ClusterSecretStore reads the namespace named in the reference, or (ESO's
// "referent auth") the namespace of the ExternalSecret using it.

import { BackendError, type ProviderContext, type StoreRef } from '@lockstep/core';

export interface SecretSelector {
  name?: string;
  key?: string;
  namespace?: string;
}

export function selectorNamespace(
  ref: { namespace?: string },
  ctx: Pick<ProviderContext, 'store' | 'namespace'>,
): string {
  if (ctx.store.kind === 'ClusterSecretStore' && ref.namespace) return ref.namespace;
  return ctx.namespace;
}

/** Reads the key a SecretKeySelector names, from the namespace the store may read. */
export function readSelectedKey(
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  ref: { name: string; key?: string; namespace?: string },
  backend: string,
): Promise<Uint8Array> {
  if (!ref.key) {
    return Promise.reject(
      new BackendError('InvalidInput', backend, `the reference to Secret "${ref.name}" needs a key`),
    );
  }
  const namespace = selectorNamespace(ref, ctx);
  // A missing credentials Secret is the store's configuration to fix, never a remote key gone
  // (NotFound would make an ExternalSecret with deletionPolicy Delete delete its Secret).
  return ctx.kube.readSecretKey(namespace, { name: ref.name, key: ref.key }).catch((err: unknown) => {
    if (err instanceof BackendError && err.errorClass === 'NotFound') {
      throw new BackendError('InvalidInput', backend, `${err.message}: the store's credentials reference needs it`, {
        cause: err,
      });
    }
    throw err;
  });
}

/** Static checks of a SecretKeySelector at `path`; each entry says what to fix. */
export function checkSecretSelector(path: string, ref: SecretSelector | undefined, store: StoreRef): string[] {
  if (!ref) return [`${path} is required`];
  const problems: string[] = [];
  if (!ref.name) problems.push(`${path}.name is required`);
  if (!ref.key) problems.push(`${path}.key is required`);
  problems.push(...checkNamespace(path, ref.namespace, store));
  return problems;
}

export function checkNamespace(path: string, namespace: string | undefined, store: StoreRef): string[] {
  if (store.kind === 'SecretStore' && namespace && namespace !== store.namespace) {
    return [`${path}.namespace must be empty or "${store.namespace}": a SecretStore cannot read other namespaces`];
  }
  return [];
}
