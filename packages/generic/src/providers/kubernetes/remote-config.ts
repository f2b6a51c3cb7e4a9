// Builds the client-node KubeConfig a kubernetes store talks to: its server and CA, and a
// user from the store's auth. Credentials are fetched through KubeAccess (TokenRequest, or
// Secrets of the credential namespace) and refreshed before they expire or go stale.

import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { BackendError, type ProviderContext, readCaProvider, reuseConnections } from '@lockstep/core';
import type { KubernetesProvider as KubernetesProviderSpec } from '../../api/provider-kubernetes.ts';
import { tryUtf8 } from '../json-property.ts';
import { readSelectedKey, selectorNamespace } from '../secret-selector.ts';

const TOKEN_SECONDS = 3600;
/** The kubernetes provider has always read `ca.crt` when server.caProvider names no key. */
export const CA_PROVIDER_DEFAULTS = { defaultKey: 'ca.crt' } as const;
/** Secret-held credentials are read again this often, so a rotated token is picked up. */
const SECRET_CREDENTIAL_TTL_MS = 10 * 60_000;
/** A TokenRequest token is replaced this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface RemoteConfig {
  kubeConfig: KubeConfig;
  /** When this configuration must be rebuilt (credentials expire or may have rotated). */
  refreshAt: number;
}

type User = { token: string } | { certData: string; keyData: string };

export async function buildRemoteConfig(
  spec: KubernetesProviderSpec,
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  local: KubeConfig | undefined,
  now: number,
): Promise<RemoteConfig> {
  const { server, caData } = await resolveServer(spec, ctx, local);
  const { user, refreshAt } = await resolveUser(spec, ctx, now);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'store', server, skipTLSVerify: false, ...(caData ? { caData } : {}) }],
    users: [{ name: 'store', ...user }],
    contexts: [{ name: 'store', cluster: 'store', user: 'store' }],
    currentContext: 'store',
  });
  return { kubeConfig: reuseConnections(kubeConfig), refreshAt };
}

async function resolveServer(
  spec: KubernetesProviderSpec,
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  local: KubeConfig | undefined,
): Promise<{ server: string; caData?: string }> {
  const url = isLocalCluster(spec.server?.url) ? undefined : spec.server?.url;
  const caBundle = spec.server?.caBundle;
  const caProvider = spec.server?.caProvider;
  if (caBundle) return { server: url ?? localServer(local), caData: caBundle };
  if (caProvider) {
    const at = 'spec.provider.kubernetes.server.caProvider';
    const pem = await readCaProvider(at, caProvider, ctx, 'kubernetes', CA_PROVIDER_DEFAULTS);
    return { server: url ?? localServer(local), caData: Buffer.from(pem).toString('base64') };
  }
  if (url) {
    throw new BackendError(
      'InvalidInput',
      'kubernetes',
      'spec.provider.kubernetes.server needs caBundle or caProvider to trust the API server at server.url',
    );
  }
  // No URL and no CA: the cluster the controller runs in, trusted as the controller trusts it.
  const cluster = local?.getCurrentCluster();
  if (!cluster) throw noLocalCluster();
  const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  return { server: cluster.server, ...(ca ? { caData: ca } : {}) };
}

/** ESO's default `kubernetes.default` (and no URL) mean the cluster the controller runs in. */
export function isLocalCluster(url: string | undefined): boolean {
  return url === undefined || url === '' || url === 'kubernetes.default';
}

function localServer(local: KubeConfig | undefined): string {
  const server = local?.getCurrentCluster()?.server;
  if (!server) throw noLocalCluster();
  return server;
}

function noLocalCluster(): BackendError {
  return new BackendError(
    'InvalidInput',
    'kubernetes',
    'spec.provider.kubernetes.server.url is required: the controller has no cluster of its own configured',
  );
}

async function resolveUser(
  spec: KubernetesProviderSpec,
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  now: number,
): Promise<{ user: User; refreshAt: number }> {
  const auth = spec.auth ?? {};
  if (auth.serviceAccount) {
    const sa = auth.serviceAccount;
    const { token, expiresAt } = await ctx.kube.requestServiceAccountToken({
      namespace: selectorNamespace(sa, ctx),
      serviceAccountName: sa.name,
      audiences: sa.audiences ?? [],
      expirationSeconds: TOKEN_SECONDS,
    });
    return { user: { token }, refreshAt: expiresAt.getTime() - REFRESH_MARGIN_MS };
  }
  if (auth.token) {
    const token = await readText(ctx, auth.token.bearerToken);
    return { user: { token }, refreshAt: now + SECRET_CREDENTIAL_TTL_MS };
  }
  if (auth.cert) {
    const cert = await readSelectedKey(ctx, auth.cert.clientCert, 'kubernetes');
    const key = await readSelectedKey(ctx, auth.cert.clientKey, 'kubernetes');
    return {
      user: { certData: Buffer.from(cert).toString('base64'), keyData: Buffer.from(key).toString('base64') },
      refreshAt: now + SECRET_CREDENTIAL_TTL_MS,
    };
  }
  throw new BackendError(
    'InvalidInput',
    'kubernetes',
    'spec.provider.kubernetes.auth needs serviceAccount, token or cert',
  );
}

async function readText(
  ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
  ref: { name: string; key?: string; namespace?: string },
) {
  const bytes = await readSelectedKey(ctx, ref, 'kubernetes');
  // A trailing newline (from `--from-file`) would make the Authorization header invalid.
  return (tryUtf8(bytes) ?? '').trim();
}
