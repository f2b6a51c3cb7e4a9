// OpenBao set up for one e2e file: its own KV mounts and a kubernetes auth mount that
// validates service-account tokens through THIS file's API server (TokenReview), so stores
// with `auth.kubernetes` log in as the tenant's service account, as in a real cluster.

import { type OpenBaoApi, openBaoFromEnv } from '@lockstep/sandbox';
import type { E2e } from './e2e-harness.ts';
import { kubernetesAuthMount } from './openbao-kubernetes-auth.ts';

export interface OpenBaoForE2e {
  bao: OpenBaoApi;
  addr: string;
  /** The kubernetes auth mount of this file (`auth/<authMount>`). */
  authMount: string;
  /** Creates a KV mount of the given version; removed by `stop`. */
  kvMount(prefix: string, version: 1 | 2): Promise<string>;
  /** A policy and a kubernetes-auth role bound to `serviceAccount` in `namespace`; answers the role name. */
  kubernetesRole(namespace: string, serviceAccount: string, policyHcl: string): Promise<string>;
  /** A token with the policy, for tokenSecretRef stores. */
  token(policyHcl: string): Promise<string>;
  /** Writes a KV v2 secret (with custom_metadata when given) or a KV v1 secret. */
  writeKv(
    mount: string,
    version: 1 | 2,
    path: string,
    data: Record<string, unknown>,
    tags?: Record<string, string>,
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function openBaoForE2e(e: E2e): Promise<OpenBaoForE2e> {
  const bao = openBaoFromEnv();
  const addr = process.env.BAO_ADDR as string;
  const authMount = e.unique('k8s');
  const mounts: string[] = [];
  await kubernetesAuthMount(bao, e.server, e.kc, e.controllerNamespace, authMount);
  const policy = async (hcl: string) => {
    const name = e.unique('policy');
    await bao.write(`sys/policies/acl/${name}`, { policy: hcl });
    return name;
  };
  return {
    bao,
    addr,
    authMount,
    async kvMount(prefix, version) {
      const mount = e.unique(prefix);
      await bao.write(`sys/mounts/${mount}`, { type: 'kv', options: { version: String(version) } });
      mounts.push(mount);
      return mount;
    },
    async kubernetesRole(namespace, serviceAccount, policyHcl) {
      const role = e.unique('role');
      await bao.write(`auth/${authMount}/role/${role}`, {
        bound_service_account_names: [serviceAccount],
        bound_service_account_namespaces: [namespace],
        token_policies: [await policy(policyHcl)],
        token_ttl: '1h',
      });
      return role;
    },
    async token(policyHcl) {
      const res = (await bao.write('auth/token/create', {
        policies: [await policy(policyHcl)],
        ttl: '2h',
      })) as { auth?: { client_token?: string } };
      const token = res.auth?.client_token;
      if (!token) throw new Error('OpenBao created no token');
      return token;
    },
    async writeKv(mount, version, path, data, tags) {
      // A new KV v2 mount needs a moment before it accepts writes.
      for (let i = 0; ; i++) {
        try {
          if (version === 1) await bao.write(`${mount}/${path}`, data);
          else {
            await bao.write(`${mount}/data/${path}`, { data });
            if (tags) await bao.write(`${mount}/metadata/${path}`, { custom_metadata: tags });
          }
          return;
        } catch (err) {
          if (i > 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      await bao.delete(`sys/auth/${authMount}`).catch(() => {});
      for (const m of mounts) await bao.delete(`sys/mounts/${m}`).catch(() => {});
    },
  };
}
