import type { OpenBaoApi } from '../peers/openbao-api.ts';
import { SEED_DEFAULTS } from './defaults.ts';
import {
  type AppRoleSeed,
  seedAppRole,
  seedJwtAuth,
  seedJwtRole,
  seedKubernetesAuth,
  seedKubernetesRole,
} from './openbao-auth.ts';
import {
  type DatabaseSeed,
  type DatabaseSeedOptions,
  type KvSeed,
  type KvSeedOptions,
  type PkiSeed,
  type PkiSeedOptions,
  type PostgresConnection,
  seedDatabase,
  seedKv,
  seedPki,
  seedTransit,
} from './openbao-engines.ts';
import { writePolicy } from './openbao-mounts.ts';

export interface PolicyMounts {
  kvV1Mount?: string;
  kvV2Mount?: string;
  databaseMount?: string;
  pkiMount?: string;
}

/** What a workload identity may do in the sandbox: read KV, database and PKI, manage its leases. */
export function appPolicyHcl(m: PolicyMounts = {}): string {
  const kv1 = m.kvV1Mount ?? SEED_DEFAULTS.kvV1Mount;
  const kv2 = m.kvV2Mount ?? SEED_DEFAULTS.kvV2Mount;
  const db = m.databaseMount ?? SEED_DEFAULTS.databaseMount;
  const pki = m.pkiMount ?? SEED_DEFAULTS.pkiMount;
  return `
path "${kv1}/*" { capabilities = ["read", "list"] }
path "${kv2}/data/*" { capabilities = ["read"] }
path "${kv2}/metadata/*" { capabilities = ["read", "list"] }
path "${db}/creds/*" { capabilities = ["read"] }
path "${db}/static-creds/*" { capabilities = ["read"] }
path "${pki}/issue/*" { capabilities = ["create", "update"] }
path "${pki}/cert/ca" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
`.trimStart();
}

/** The API server facts OpenBao's kubernetes and jwt auth need. */
export interface KubernetesFacts {
  url: string;
  caPem: string;
  tokenReviewerJwt?: string;
  issuerUrl: string;
  publicKeyPem: string;
}

export interface OpenBaoSeedOptions {
  /** Seeds the database engine when given. */
  postgres?: PostgresConnection;
  /** Seeds kubernetes and jwt auth when given. */
  kubernetes?: KubernetesFacts;
  policy?: string;
  kv?: KvSeedOptions;
  database?: Omit<DatabaseSeedOptions, 'postgres'>;
  pki?: PkiSeedOptions;
  transit?: { mount?: string; keyName?: string };
  kubernetesAuth?: { mount?: string; role?: string; namespaces?: string[]; serviceAccountNames?: string[] };
  jwtAuth?: { mount?: string; role?: string; audiences?: string[] };
  appRole?: { mount?: string; name?: string };
  /** TTL of tokens from the auth roles. */
  tokenTtl?: string;
}

export interface OpenBaoSeed {
  policy: string;
  kv: KvSeed;
  database: DatabaseSeed | undefined;
  pki: PkiSeed;
  transit: { mount: string; keyName: string };
  kubernetes: { mount: string; role: string; namespaces: string[]; serviceAccountNames: string[] } | undefined;
  jwt: { mount: string; role: string; audiences: string[] } | undefined;
  appRole: AppRoleSeed;
}

/** Seeds every engine and auth method the sandbox offers; each part is also callable on its own. */
export async function seedOpenBao(bao: OpenBaoApi, opts: OpenBaoSeedOptions = {}): Promise<OpenBaoSeed> {
  const policy = opts.policy ?? SEED_DEFAULTS.policy;
  await writePolicy(
    bao,
    policy,
    appPolicyHcl({
      kvV1Mount: opts.kv?.v1Mount,
      kvV2Mount: opts.kv?.v2Mount,
      databaseMount: opts.database?.mount,
      pkiMount: opts.pki?.mount,
    }),
  );
  const tokenTtl = opts.tokenTtl;
  const [kv, database, pki, transit, kubernetes, jwt, appRole] = await Promise.all([
    seedKv(bao, opts.kv),
    opts.postgres ? seedDatabase(bao, { ...opts.database, postgres: opts.postgres }) : undefined,
    seedPki(bao, opts.pki),
    seedTransit(bao, opts.transit),
    opts.kubernetes ? seedKubernetes(bao, opts.kubernetes, opts, policy) : undefined,
    opts.kubernetes ? seedJwt(bao, opts.kubernetes, opts, policy) : undefined,
    seedAppRole(bao, { ...opts.appRole, policies: [policy], tokenTtl }),
  ]);
  return { policy, kv, database, pki, transit, kubernetes, jwt, appRole };
}

async function seedKubernetes(bao: OpenBaoApi, k: KubernetesFacts, opts: OpenBaoSeedOptions, policy: string) {
  const { mount } = await seedKubernetesAuth(bao, {
    mount: opts.kubernetesAuth?.mount,
    kubernetesHost: k.url,
    kubernetesCaPem: k.caPem,
    tokenReviewerJwt: k.tokenReviewerJwt,
  });
  const role = opts.kubernetesAuth?.role ?? SEED_DEFAULTS.kubernetesRole;
  const namespaces = opts.kubernetesAuth?.namespaces ?? [SEED_DEFAULTS.kubernetesNamespace];
  const serviceAccountNames = opts.kubernetesAuth?.serviceAccountNames ?? [SEED_DEFAULTS.kubernetesServiceAccount];
  await seedKubernetesRole(bao, {
    mount,
    name: role,
    serviceAccountNames,
    namespaces,
    policies: [policy],
    tokenTtl: opts.tokenTtl,
  });
  return { mount, role, namespaces, serviceAccountNames };
}

async function seedJwt(bao: OpenBaoApi, k: KubernetesFacts, opts: OpenBaoSeedOptions, policy: string) {
  const { mount } = await seedJwtAuth(bao, {
    mount: opts.jwtAuth?.mount,
    publicKeyPem: k.publicKeyPem,
    issuer: k.issuerUrl,
  });
  const role = opts.jwtAuth?.role ?? SEED_DEFAULTS.jwtRole;
  const audiences = opts.jwtAuth?.audiences ?? [SEED_DEFAULTS.jwtAudience];
  await seedJwtRole(bao, { mount, name: role, boundAudiences: audiences, policies: [policy], tokenTtl: opts.tokenTtl });
  return { mount, role, audiences };
}
