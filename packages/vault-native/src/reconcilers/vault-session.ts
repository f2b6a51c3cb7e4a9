// Resolves a resource's VaultAuth and VaultConnection into a Vault client and a managed
// login token for the resource's namespace. Errors come out classified: SpecProblem for what
// the user must fix, retryable BackendErrors for Vault or the API server being down.

import {
  BackendError,
  describeFailure,
  INSECURE_TRANSPORT,
  type KubeAccess,
  parseGoDuration,
  SpecProblem,
} from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { VaultConnection } from '../api/vault-connection.ts';
import { describeMethod } from '../auth/auth-method.ts';
import type { LoginTarget } from '../auth/login-target.ts';
import type { ManagedToken } from '../auth/token-manager.ts';
import { insecureTransportRefusal, type TransportPolicy } from '../client/transport-security.ts';
import type { VaultClient, VaultConnectionConfig } from '../client/vault-client.ts';
import type { VaultClientPool } from '../client/vault-client-pool.ts';
import type { ObjectCache } from './object-cache.ts';
import type { TokenCache } from './token-cache.ts';
import { authMethodOf, selectVaultAuth, selectVaultConnection } from './vault-refs.ts';

export interface SessionDeps {
  auths: ObjectCache<VaultAuth>;
  connections: ObjectCache<VaultConnection>;
  kube: KubeAccess;
  clients: VaultClientPool;
  tokens: TokenCache;
  controllerNamespace: string;
  /** `--refuse-insecure-transport`: http:// VaultConnections are refused, not only flagged. */
  refuseInsecureTransport?: boolean;
  /** The reconcile's signal, aborted when its budget runs out: its Vault calls stop with it. */
  signal?: AbortSignal;
}

export interface VaultSession {
  client: VaultClient;
  token: ManagedToken;
  auth: VaultAuth;
  /** `X-Vault-Namespace` of the resource's calls (its spec.namespace, else the VaultAuth's). */
  vaultNamespace: string | undefined;
  /** Request options every call of this resource carries. */
  opts: { namespace?: string; signal?: AbortSignal };
}

export async function openSession(
  resourceNamespace: string,
  vaultAuthRef: string | undefined,
  secretVaultNamespace: string | undefined,
  deps: SessionDeps,
): Promise<VaultSession> {
  const auth = selectVaultAuth(vaultAuthRef, resourceNamespace, deps.auths, deps.controllerNamespace);
  const connection = selectVaultConnection(auth, deps.connections, deps.controllerNamespace);
  const method = authMethodOf(auth);
  const config = await connectionConfig(connection, deps.kube, auth.spec.headers, deps);
  const client = deps.clients.get(config);
  const target: LoginTarget = {
    client,
    kube: deps.kube,
    namespace: resourceNamespace,
    ...(auth.spec.namespace ? { vaultNamespace: auth.spec.namespace } : {}),
    method,
  };
  let token: ManagedToken;
  try {
    token = await deps.tokens.get(target);
  } catch (err) {
    // Down, throttled, a conflict or an unexpected error: retried as it is. The rest is the user's to fix.
    const failure = describeFailure(err);
    if (failure.retry) throw err;
    throw new SpecProblem(
      'AuthFailed',
      `cannot log in to Vault with VaultAuth "${auth.metadata?.namespace}/${auth.metadata?.name}" (${describeMethod(method)}) for namespace "${resourceNamespace}": ${failure.message}`,
      { cause: err },
    );
  }
  const vaultNamespace = secretVaultNamespace || auth.spec.namespace || undefined;
  // The login above is shared by every resource of the identity, so it does not take this
  // resource's signal; the calls made for this resource do.
  const opts = {
    ...(vaultNamespace ? { namespace: vaultNamespace } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  return { client, token, auth, vaultNamespace, opts };
}

/** The client configuration of a VaultConnection; its CA comes from a Secret in its own namespace. */
export async function connectionConfig(
  connection: VaultConnection,
  kube: KubeAccess,
  extraHeaders?: Record<string, string>,
  policy: TransportPolicy = {},
): Promise<VaultConnectionConfig> {
  const spec = connection.spec;
  const name = `VaultConnection "${connection.metadata?.namespace}/${connection.metadata?.name}"`;
  const refusal = insecureTransportRefusal(spec.address, `${name}: spec.address`, policy);
  if (refusal) throw new SpecProblem(INSECURE_TRANSPORT, refusal);
  let timeoutMs: number | undefined;
  if (spec.timeout) {
    try {
      timeoutMs = parseGoDuration(spec.timeout, 'spec.timeout');
    } catch (err) {
      throw new SpecProblem('InvalidDuration', `${name}: ${(err as Error).message}`);
    }
  }
  let caCertPem: string | undefined;
  if (spec.caCertSecretRef) {
    try {
      const ca = await kube.readSecretKey(connection.metadata?.namespace ?? '', {
        name: spec.caCertSecretRef,
        key: 'ca.crt',
      });
      caCertPem = Buffer.from(ca).toString('utf8');
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') {
        throw new SpecProblem('CACertMissing', `${name}: ${err.message} (spec.caCertSecretRef, key ca.crt)`);
      }
      throw err;
    }
  }
  const headers = { ...spec.headers, ...extraHeaders };
  return {
    address: spec.address,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(spec.tlsServerName ? { tlsServerName: spec.tlsServerName } : {}),
    ...(spec.skipTLSVerify ? { skipTLSVerify: true } : {}),
    ...(caCertPem ? { caCertPem } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}
