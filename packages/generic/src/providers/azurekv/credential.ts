// The Entra ID credential of one azurekv store, built as ESO builds it with the current
// Azure SDK: ServicePrincipal (client secret or PEM client certificate from Secrets),
// ManagedIdentity (the controller's pod identity), WorkloadIdentity (a TokenRequest token of
// `serviceAccountRef` exchanged as a client assertion, or the controller's own federated
// token from the environment when no serviceAccountRef is set).
//
// Material read from Secrets is read again every few minutes, so a rotated client secret is
// picked up; the SDK credential is rebuilt only when the material changed, which keeps its
// token cache.

import {
  type AccessToken,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  type GetTokenOptions,
  ManagedIdentityCredential,
  type TokenCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { BackendError, type ProviderContext } from '@lockstep/core';
import type { AzureKvProvider } from '../../api/provider-azurekv.ts';
import { type CallObserver, observed } from '../call-observer.ts';
import { tryUtf8 } from '../json-property.ts';
import { readSelectedKey, selectorNamespace } from '../secret-selector.ts';
import { authorityHost } from './azure-cloud.ts';
import { classifyAzureError } from './azure-errors.ts';

/** ESO's default audience for Azure workload identity federation. */
export const WORKLOAD_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';
const MATERIAL_TTL_MS = 10 * 60_000;
const TOKEN_SECONDS = 3600;

type Ctx = Pick<ProviderContext, 'store' | 'namespace' | 'kube'>;

export interface CredentialDeps {
  onCall?: CallObserver;
  now?: () => number;
}

export function credentialFor(spec: AzureKvProvider, ctx: Ctx, deps: CredentialDeps): TokenCredential {
  const authority = { authorityHost: authorityHost(spec) };
  const authType = spec.authType ?? 'ServicePrincipal';
  let credential: TokenCredential;
  if (authType === 'ManagedIdentity') {
    const id = spec.identityId;
    credential = !id
      ? new ManagedIdentityCredential()
      : id.startsWith('/')
        ? new ManagedIdentityCredential({ resourceId: id })
        : new ManagedIdentityCredential({ clientId: id });
  } else if (authType === 'WorkloadIdentity' && !spec.serviceAccountRef) {
    // AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE, set by the webhook.
    credential = new WorkloadIdentityCredential(authority);
  } else {
    credential = new RefreshingCredential(deps.now ?? Date.now, () => buildFromSecrets(spec, ctx, authority));
  }
  return observedCredential(credential, deps.onCall);
}

/** Reports each token fetch as `GetToken` and classifies its failure. */
function observedCredential(inner: TokenCredential, onCall: CallObserver | undefined): TokenCredential {
  return {
    getToken: (scopes: string | string[], options?: GetTokenOptions) =>
      observed(
        onCall,
        'GetToken',
        async () => {
          const token = await inner.getToken(scopes, options);
          if (!token) throw new BackendError('Forbidden', 'azurekv', 'Azure: the credential returned no token');
          return token;
        },
        (err) => classifyAzureError(err, `the store's Azure identity`),
      ),
  };
}

interface Material {
  fingerprint: string;
  build(): TokenCredential;
}

async function buildFromSecrets(
  spec: AzureKvProvider,
  ctx: Ctx,
  authority: { authorityHost: string },
): Promise<Material> {
  const refs = spec.authSecretRef ?? {};
  const clientId = refs.clientId ? await readText(ctx, refs.clientId) : '';
  const tenantId = spec.tenantId || (refs.tenantId ? await readText(ctx, refs.tenantId) : '');
  if (!clientId) throw invalid('spec.provider.azurekv.authSecretRef.clientId is required');
  if (!tenantId) throw invalid('spec.provider.azurekv.tenantId (or authSecretRef.tenantId) is required');

  const sa = spec.serviceAccountRef;
  if ((spec.authType ?? 'ServicePrincipal') === 'WorkloadIdentity' && sa) {
    const namespace = selectorNamespace(sa, ctx);
    const audiences = [WORKLOAD_IDENTITY_AUDIENCE, ...(sa.audiences ?? [])];
    const assertion = async () =>
      (
        await ctx.kube.requestServiceAccountToken({
          namespace,
          serviceAccountName: sa.name,
          audiences,
          expirationSeconds: TOKEN_SECONDS,
        })
      ).token;
    return {
      fingerprint: JSON.stringify(['wi', tenantId, clientId]),
      build: () => new ClientAssertionCredential(tenantId, clientId, assertion, authority),
    };
  }
  if (refs.clientSecret) {
    const secret = await readText(ctx, refs.clientSecret);
    return {
      fingerprint: JSON.stringify(['secret', tenantId, clientId, secret]),
      build: () => new ClientSecretCredential(tenantId, clientId, secret, authority),
    };
  }
  if (refs.clientCertificate) {
    const certificate = await readText(ctx, refs.clientCertificate);
    if (!certificate.includes('-----BEGIN')) {
      throw invalid(
        'spec.provider.azurekv.authSecretRef.clientCertificate must name a PEM certificate and its private key (PKCS#12 is not supported)',
      );
    }
    return {
      fingerprint: JSON.stringify(['cert', tenantId, clientId, certificate]),
      build: () => new ClientCertificateCredential(tenantId, clientId, { certificate }, authority),
    };
  }
  throw invalid('spec.provider.azurekv.authSecretRef needs clientSecret or clientCertificate');
}

/** Re-reads its material after MATERIAL_TTL_MS; a failed read is not cached. */
class RefreshingCredential implements TokenCredential {
  private readonly now: () => number;
  private readonly load: () => Promise<Material>;
  private current: { fingerprint: string; credential: TokenCredential } | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(now: () => number, load: () => Promise<Material>) {
    this.now = now;
    this.load = load;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    if (!this.current || this.now() - this.loadedAt >= MATERIAL_TTL_MS) {
      const material = await this.load();
      if (material.fingerprint !== this.current?.fingerprint) {
        this.current = { fingerprint: material.fingerprint, credential: material.build() };
      }
      this.loadedAt = this.now();
    }
    return this.current.credential.getToken(scopes, options);
  }
}

async function readText(ctx: Ctx, ref: { name: string; key?: string; namespace?: string }): Promise<string> {
  // Ids and secrets are text; a trailing newline (`kubectl create secret --from-file`) is a common slip.
  return (tryUtf8(await readSelectedKey(ctx, ref, 'azurekv')) ?? '').trim();
}

function invalid(message: string): BackendError {
  return new BackendError('InvalidInput', 'azurekv', message);
}
