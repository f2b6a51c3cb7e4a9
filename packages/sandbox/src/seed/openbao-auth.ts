import type { OpenBaoApi } from '../peers/openbao-api.ts';
import { SEED_DEFAULTS } from './defaults.ts';
import { enableAuthMethod } from './openbao-mounts.ts';

export interface KubernetesAuthOptions {
  mount?: string;
  /** The API server's URL, e.g. https://127.0.0.1:PORT. */
  kubernetesHost: string;
  kubernetesCaPem: string;
  /** Used by OpenBao to call TokenReview; without it OpenBao uses the logging-in token itself. */
  tokenReviewerJwt?: string;
}

/** auth/kubernetes: OpenBao validates service-account tokens through the API server's TokenReview. */
export async function seedKubernetesAuth(bao: OpenBaoApi, opts: KubernetesAuthOptions): Promise<{ mount: string }> {
  const mount = opts.mount ?? SEED_DEFAULTS.kubernetesMount;
  await enableAuthMethod(bao, mount, 'kubernetes');
  await bao.write(`auth/${mount}/config`, {
    kubernetes_host: opts.kubernetesHost,
    kubernetes_ca_cert: opts.kubernetesCaPem,
    ...(opts.tokenReviewerJwt ? { token_reviewer_jwt: opts.tokenReviewerJwt } : {}),
    // OpenBao runs outside any pod: no local service-account files, and the sandbox issuer is not the default one.
    disable_local_ca_jwt: true,
    disable_iss_validation: true,
  });
  return { mount };
}

export interface KubernetesRoleOptions {
  mount?: string;
  name: string;
  serviceAccountNames: string[];
  namespaces: string[];
  policies: string[];
  /** Audience OpenBao asks TokenReview to check; unset means the API server's default audience. */
  audience?: string;
  tokenTtl?: string;
}

export async function seedKubernetesRole(bao: OpenBaoApi, opts: KubernetesRoleOptions): Promise<void> {
  await bao.write(`auth/${opts.mount ?? SEED_DEFAULTS.kubernetesMount}/role/${opts.name}`, {
    bound_service_account_names: opts.serviceAccountNames,
    bound_service_account_namespaces: opts.namespaces,
    token_policies: opts.policies,
    token_ttl: opts.tokenTtl ?? '1h',
    ...(opts.audience ? { audience: opts.audience } : {}),
  });
}

export interface JwtAuthOptions {
  mount?: string;
  /** PEM public key of the API server's service-account token issuer. */
  publicKeyPem: string;
  issuer: string;
}

/** auth/jwt: OpenBao checks service-account JWTs offline against the issuer's public key. */
export async function seedJwtAuth(bao: OpenBaoApi, opts: JwtAuthOptions): Promise<{ mount: string }> {
  const mount = opts.mount ?? SEED_DEFAULTS.jwtMount;
  await enableAuthMethod(bao, mount, 'jwt');
  await bao.write(`auth/${mount}/config`, {
    jwt_validation_pubkeys: [opts.publicKeyPem],
    bound_issuer: opts.issuer,
  });
  return { mount };
}

export interface JwtRoleOptions {
  mount?: string;
  name: string;
  /** OpenBao refuses a JWT with an `aud` claim unless the role binds an audience. */
  boundAudiences: string[];
  /** e.g. system:serviceaccount:demo:app; unset accepts any subject from the issuer. */
  boundSubject?: string;
  policies: string[];
  tokenTtl?: string;
}

export async function seedJwtRole(bao: OpenBaoApi, opts: JwtRoleOptions): Promise<void> {
  await bao.write(`auth/${opts.mount ?? SEED_DEFAULTS.jwtMount}/role/${opts.name}`, {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: opts.boundAudiences,
    ...(opts.boundSubject ? { bound_subject: opts.boundSubject } : {}),
    token_policies: opts.policies,
    token_ttl: opts.tokenTtl ?? '1h',
  });
}

export interface AppRoleOptions {
  mount?: string;
  name?: string;
  policies: string[];
  tokenTtl?: string;
}

export interface AppRoleSeed {
  mount: string;
  name: string;
  roleId: string;
  secretId: string;
}

/** auth/approle with one role; returns its role_id and a fresh secret_id. */
export async function seedAppRole(bao: OpenBaoApi, opts: AppRoleOptions): Promise<AppRoleSeed> {
  const mount = opts.mount ?? SEED_DEFAULTS.approleMount;
  const name = opts.name ?? SEED_DEFAULTS.approleRole;
  await enableAuthMethod(bao, mount, 'approle');
  await bao.write(`auth/${mount}/role/${name}`, {
    token_policies: opts.policies,
    token_ttl: opts.tokenTtl ?? '1h',
    secret_id_ttl: '0',
  });
  const roleId = await bao.read(`auth/${mount}/role/${name}/role-id`);
  const secretId = await bao.write(`auth/${mount}/role/${name}/secret-id`, {});
  return { mount, name, roleId: String(roleId.data?.role_id), secretId: String(secretId.data?.secret_id) };
}
