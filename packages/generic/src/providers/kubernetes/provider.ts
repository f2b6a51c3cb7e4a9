// The `kubernetes` provider (ESO's): Secrets of `remoteNamespace` on `server` (default:
// the controller's own cluster), read with the store's serviceAccount, token or cert auth.

import type { KubeConfig } from '@kubernetes/client-node';
import {
  checkCaProvider,
  credentialNamespace,
  type Provider,
  type ProviderContext,
  type ProviderRegistration,
  type StoreRef,
} from '@lockstep/core';
import {
  KubernetesProviderSchema,
  type KubernetesProvider as KubernetesProviderSpec,
} from '../../api/provider-kubernetes.ts';
import type { CallObserver } from '../call-observer.ts';
import { stableKey } from '../client-key.ts';
import type { GenericProviderDeps } from '../generic-provider-deps.ts';
import { checkNamespace, checkSecretSelector } from '../secret-selector.ts';
import { KubernetesClient } from './client.ts';
import { CA_PROVIDER_DEFAULTS, isLocalCluster } from './remote-config.ts';

export interface KubernetesProviderDeps {
  /** The controller's own cluster: used when `server.url` is not set. */
  localKubeConfig?: KubeConfig;
  onCall?: CallObserver;
  now?: () => number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateKubernetesSpec(spec: KubernetesProviderSpec, store: StoreRef): string[] {
  const problems: string[] = [];
  const path = 'spec.provider.kubernetes';
  if (spec.remoteNamespace !== undefined && !DNS_LABEL.test(spec.remoteNamespace)) {
    problems.push(`${path}.remoteNamespace "${spec.remoteNamespace}" is not a valid namespace name`);
  }
  const server = spec.server;
  if (server && !isLocalCluster(server.url)) {
    let protocol = '';
    try {
      protocol = new URL(server.url).protocol;
    } catch {}
    if (protocol !== 'https:') problems.push(`${path}.server.url must be an https:// URL`);
    if (!server.caBundle && !server.caProvider) {
      problems.push(`${path}.server needs caBundle or caProvider to trust ${server.url}`);
    }
  }
  if (
    server?.caBundle &&
    !/-----BEGIN CERTIFICATE-----/.test(Buffer.from(server.caBundle, 'base64').toString('utf8'))
  ) {
    problems.push(`${path}.server.caBundle must be a base64-encoded PEM certificate bundle`);
  }
  if (server?.caProvider) {
    problems.push(...checkCaProvider(`${path}.server.caProvider`, server.caProvider, store, CA_PROVIDER_DEFAULTS));
  }
  if (spec.authRef) {
    problems.push(`${path}.authRef (a kubeconfig in a Secret) is not supported: remove it and use auth`);
  }
  const auth = spec.auth ?? {};
  const methods = (['serviceAccount', 'token', 'cert'] as const).filter((m) => auth[m] !== undefined);
  if (methods.length !== 1) problems.push(`${path}.auth must set exactly one of serviceAccount, token and cert`);
  if (auth.serviceAccount) {
    if (!auth.serviceAccount.name) problems.push(`${path}.auth.serviceAccount.name is required`);
    problems.push(...checkNamespace(`${path}.auth.serviceAccount`, auth.serviceAccount.namespace, store));
  }
  if (auth.token)
    problems.push(...checkSecretSelector(`${path}.auth.token.bearerToken`, auth.token.bearerToken, store));
  if (auth.cert) {
    problems.push(...checkSecretSelector(`${path}.auth.cert.clientCert`, auth.cert.clientCert, store));
    problems.push(...checkSecretSelector(`${path}.auth.cert.clientKey`, auth.cert.clientKey, store));
  }
  return problems;
}

/** Credentials come from the store's (or, cluster-wide, the ExternalSecret's) namespace: it is part of the identity. */
export function kubernetesClientKey(spec: KubernetesProviderSpec, ctx: ProviderContext): string {
  const auth = spec.auth;
  const refs = [
    auth?.serviceAccount,
    auth?.token?.bearerToken,
    auth?.cert?.clientCert,
    auth?.cert?.clientKey,
    spec.server?.caProvider,
  ];
  const namespace = credentialNamespace(ctx, refs);
  return stableKey({ provider: 'kubernetes', kind: ctx.store.kind, ...(namespace ? { namespace } : {}), spec });
}

export function createKubernetesProvider(deps: KubernetesProviderDeps = {}): Provider<KubernetesProviderSpec> {
  return {
    name: 'kubernetes',
    capabilities: 'ReadWrite',
    validateSpec: validateKubernetesSpec,
    clientKey: kubernetesClientKey,
    async newClient(spec: KubernetesProviderSpec, ctx: ProviderContext) {
      const client = new KubernetesClient(spec, ctx, {
        now: deps.now ?? Date.now,
        ...(deps.localKubeConfig ? { local: deps.localKubeConfig } : {}),
        ...(deps.onCall ? { onCall: deps.onCall } : {}),
      });
      await client.connect();
      return client;
    },
  };
}

/** Its client reports every Kubernetes API call (readNamespacedSecret, listNamespacedSecret, …). */
export const kubernetesRegistration: ProviderRegistration<GenericProviderDeps> = {
  name: 'kubernetes',
  schema: KubernetesProviderSchema,
  metrics: 'client',
  create: (deps, { onCall }) =>
    createKubernetesProvider({
      onCall,
      ...(deps.localKubeConfig ? { localKubeConfig: deps.localKubeConfig } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    }),
};
