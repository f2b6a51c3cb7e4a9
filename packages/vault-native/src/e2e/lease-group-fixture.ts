// What the crash and token-loss tests share: a database mount with one dynamic role per resource
// (OpenBao lists leases by role, so each lease belongs to one resource), a tenant whose policy
// allows lease groups (`auth/token/create`), a VaultDynamicSecret per resource into Secret
// `<name>-creds`, numbered `lockstep` processes, and user edits through merge patches.

import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type LockstepProcess, postgresConfigFromEnv, seedDatabase } from '@lockstep/sandbox';
import { GROUP, type Harness, unique, VERSION } from './harness.ts';
import { kubeconfigFile, startLockstep } from './process-harness.ts';

export interface GroupedDatabase {
  mount: string;
  /** Resource name -> its dynamic role. */
  roles: Map<string, string>;
  namespace: string;
}

export async function groupedDatabase(
  h: Harness,
  ttls: Record<string, { defaultTtl: string; maxTtl: string }>,
  spec: object = {},
): Promise<GroupedDatabase> {
  const mount = await h.mount('db', 'database');
  const roles = new Map<string, string>();
  let template: Record<string, unknown> | undefined;
  for (const [name, ttl] of Object.entries(ttls)) {
    // Eight characters: OpenBao keeps the first eight of the role name in the PostgreSQL user name.
    const role = unique('r').slice(0, 8);
    roles.set(name, role);
    if (!template) {
      // The connection and the first role; the others copy its statements.
      const connection = { postgres: postgresConfigFromEnv(), mount, connectionName: 'pg', staticRole: false as const };
      await seedDatabase(h.bao, { ...connection, dynamicRole: { name: role, ...ttl } });
      template = (await h.bao.read(`${mount}/roles/${role}`)).data as Record<string, unknown>;
      continue;
    }
    await h.bao.write(`${mount}/roles/${role}`, {
      db_name: 'pg',
      creation_statements: template.creation_statements,
      revocation_statements: template.revocation_statements,
      default_ttl: ttl.defaultTtl,
      max_ttl: ttl.maxTtl,
    });
  }
  const tenant = await h.createTenant(
    [
      `path "${mount}/creds/*" { capabilities = ["read"] }`,
      'path "sys/leases/renew" { capabilities = ["update"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
      // Lease groups: each issue runs with a child token recorded before the issue.
      'path "auth/token/create" { capabilities = ["update"] }',
    ].join('\n'),
  );
  for (const [name, role] of roles) {
    await h.apply('VaultDynamicSecret', tenant.namespace, name, {
      mount,
      path: `creds/${role}`,
      revoke: true,
      destination: { name: `${name}-creds`, create: true },
      ...spec,
    });
  }
  return { mount, roles, namespace: tenant.namespace };
}

/**
 * Starts `lockstep` processes against the harness, each logging to its own numbered file beside
 * the kubeconfig; `teardown` kills them all, removes the files (unless LOCKSTEP_KEEP_SANDBOX)
 * and stops the harness.
 */
export async function lockstepProcesses(h: Harness) {
  const kubeconfigPath = await kubeconfigFile(h);
  const all: LockstepProcess[] = [];
  let n = 0;
  return {
    start(env: Record<string, string> = {}): LockstepProcess {
      const p = startLockstep(h, kubeconfigPath, join(dirname(kubeconfigPath), `lockstep-${n++}.log`), env);
      all.push(p);
      return p;
    },
    async teardown(): Promise<void> {
      for (const p of all) await p.kill();
      if (!process.env.LOCKSTEP_KEEP_SANDBOX) await rm(dirname(kubeconfigPath), { recursive: true, force: true });
      await h.stop();
    },
  };
}

/** A user's merge patch of a VaultDynamicSecret (`{ spec: … }` or `{ metadata: … }`). */
export async function patchDynamicSecret(h: Harness, namespace: string, name: string, body: object): Promise<void> {
  await h.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: 'vaultdynamicsecrets', name, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
