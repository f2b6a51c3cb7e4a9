// Harness for the production-operations tests: the shared real control plane (one suite at a
// time), the controller running as the real binary under the chart's ServiceAccount with
// exactly the chart's RBAC (a TokenRequest token in its kubeconfig, so kube-apiserver's audit
// log names every call it makes and its authorizer refuses anything the chart does not grant),
// and the sandbox's real OpenBao and PostgreSQL with a kubernetes auth mount that reviews tokens
// through this API server. Tests act through the Kubernetes API as a user would.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import {
  acquireTestCluster,
  appDeployment,
  ensureServiceAccount,
  type OpenBaoApi,
  openBaoFromEnv,
  postgresConfigFromEnv,
  type RequestLogEntry,
  requirePeerEnv,
  seedDatabase,
  seedPki,
  serviceAccountToken,
  type TestCluster,
  usersOfDynamicRole,
} from '@lockstep/sandbox';
import { parse, stringify } from 'yaml';
import { RELEASE_NAMESPACE } from '../chart/helm-chart.ts';
import { LEADER_LEASE_NAME } from '../leader/leader-elector.ts';
import { EXTERNAL, type Obj } from '../testing/external-resources.ts';
import { type KubeObjects, kubeObjects, unlessNotFound } from '../testing/kube-objects.ts';
import { kubernetesAuthMount } from '../testing/openbao-kubernetes-auth.ts';
import { waitForReadyCondition } from '../testing/ready-condition.ts';
import { waitFor as waitForWithin } from '../testing/wait-for.ts';
import { applyChartRbac, type ChartRbac, type ChartRbacOptions } from './chart-rbac.ts';
import { type ControllerPod, startControllerPod } from './controller-pod.ts';

export const VAULT = 'vault.lockstep.dev/v1beta1';
/** The chart's release namespace, so the chart's namespaced leader Role applies to what the test sees. */
export const CONTROLLER_NAMESPACE = RELEASE_NAMESPACE;
/** The chart's ServiceAccount name for release `lockstep` (fullname). */
export const CONTROLLER_SERVICE_ACCOUNT = 'lockstep';
export const CONTROLLER_USER = `system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}`;
/** `--leader-elect` with the given timings (ms). */
export function leaderArgs(leaseMs: number, renewDeadlineMs: number, retryMs: number): string[] {
  return [
    '--leader-elect',
    '--leader-lease-duration',
    String(leaseMs),
    '--leader-renew-deadline',
    String(renewDeadlineMs),
    '--leader-retry-period',
    String(retryMs),
  ];
}
/** Short leader-election timings for tests (lease 4 s, renew deadline 3 s, retry 500 ms). */
export const FAST_LEADER_ARGS = leaderArgs(4_000, 3_000, 500);
/**
 * With FAST_LEADER_ARGS, a standby takes a crashed leader's Lease once it has seen the record
 * unchanged for the lease duration: lease + one retry with jitter + process/scheduling slack.
 */
export const TAKEOVER_BOUND_MS = 4_000 + 600 + 3_000;

export interface Tenant {
  namespace: string;
  /** The kubernetes-auth role bound to service account `app` in `namespace`. */
  role: string;
}

export interface FakeEntry {
  key: string;
  value: string;
}

export interface Ops extends KubeObjects {
  server: TestCluster;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  bao: OpenBaoApi;
  baoAddr: string;
  authMount: string;
  dir: string;
  unique(prefix: string): string;
  /** The RBAC the controller runs under, as applied. */
  rbac: ChartRbac;
  /** A namespace (`namespace`, else a new name), service account `app`, a policy and role for it, and VaultAuth `default` using them. */
  tenant(policyHcl: string, opts?: { tokenTtl?: string; namespace?: string }): Promise<Tenant>;
  /** A database secrets mount whose dynamic role (8 characters) issues PostgreSQL roles; answers mount and role. */
  databaseMount(ttl: { defaultTtl: string; maxTtl: string }): Promise<{ mount: string; role: string }>;
  /** A database mount and a tenant whose policy reads its credentials and renews and revokes their leases. */
  databaseTenant(
    ttl: { defaultTtl: string; maxTtl: string },
    opts?: { tokenTtl?: string },
  ): Promise<{ db: { mount: string; role: string }; namespace: string }>;
  /** A PKI mount with role `web` for *.example.com. */
  pkiMount(): Promise<{ mount: string; role: string }>;
  /** A KV v2 mount. */
  kvMount(): Promise<string>;
  create(obj: Obj): Promise<Obj>;
  /** Replaces what the fake SecretStore `name` serves, as a user editing it would. */
  replaceFakeData(namespace: string, name: string, data: FakeEntry[]): Promise<void>;
  deployment(namespace: string, name: string): Promise<void>;
  restartedAt(namespace: string, name: string): Promise<string | undefined>;
  /** The leader Lease's spec, or undefined when it does not exist. */
  lease(): Promise<{ holderIdentity?: string; renewTime?: Date; leaseTransitions?: number } | undefined>;
  /** Requests the controller's own identity made. */
  controllerRequests(): RequestLogEntry[];
  /** The controller's requests the API server refused with 403 Forbidden. */
  forbiddenRequests(): RequestLogEntry[];
  /** PostgreSQL roles the dynamic role issued. */
  pgRoles(role: string): Promise<string[]>;
  /** Starts a controller process with this file's kubeconfig and the chart's `--namespace` flags; stopped by `stop()`. */
  lockstep(podName: string, args?: string[]): ControllerPod;
  stop(): Promise<void>;
}

export interface OpsOptions {
  /** Chart values whose RBAC and `--namespace` flags the controller runs with (default: the chart's defaults). */
  chartValues?: object;
  /** Rewrites the chart's RBAC before it is applied (the rbac test drops rules). */
  editRbac?: ChartRbacOptions['edit'];
  /** The cluster to run on (default: a shared test cluster, held alone); a file that takes the control plane down brings its own. */
  cluster?: () => Promise<TestCluster>;
}

export async function startOps(file: string, opts: OpsOptions = {}): Promise<Ops> {
  const env = requirePeerEnv('openbao', 'postgres');
  const dir = await mkdtemp(join(tmpdir(), `lockstep-ops-${file}-`));
  const server = await (opts.cluster ?? (() => acquireTestCluster(`ops ${file}`)))();
  const kc = server.kc;
  const suffix = () => randomBytes(3).toString('hex');
  const unique = (prefix: string) => `${prefix}-${suffix()}`;

  // The controller's own identity: the ServiceAccount and RBAC the chart renders (and nothing
  // more: the real API server enforces it), and a kubeconfig with the ServiceAccount's token.
  const rbac = await applyChartRbac(kc, opts.chartValues ?? {}, CONTROLLER_USER, {
    ...(opts.editRbac ? { edit: opts.editRbac } : {}),
  });
  const controllerToken = await serviceAccountToken(kc, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, {
    expirationSeconds: 24 * 3600,
  });
  const kubeconfig = parse(server.kubeconfig()) as { users: Array<{ name: string; user: { token: string } }> };
  for (const u of kubeconfig.users) u.user = { token: controllerToken };
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, stringify(kubeconfig), { mode: 0o600 });

  // OpenBao's kubernetes auth reviews tenants' tokens through THIS API server.
  const bao = openBaoFromEnv();
  const baoAddr = env.BAO_ADDR as string;
  const authMount = unique(`k8s-${file}`);
  const mounts: string[] = [];
  await kubernetesAuthMount(bao, server, kc, CONTROLLER_NAMESPACE, authMount);

  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  // The `default` VaultConnection in the controller namespace serves every VaultAuth without a ref.
  // Applied, not created: the controller namespace is shared by name with every ops file.
  await objects.patch(
    {
      apiVersion: VAULT,
      kind: 'VaultConnection',
      metadata: { name: 'default', namespace: CONTROLLER_NAMESPACE },
      spec: { address: baoAddr },
    } as Obj,
    undefined,
    undefined,
    'lockstep-tests',
    true,
    PatchStrategy.ServerSideApply,
  );

  const processes: ControllerPod[] = [];
  const ops: Ops = {
    server,
    kc,
    core,
    apps,
    custom,
    bao,
    baoAddr,
    authMount,
    dir,
    unique,
    rbac,
    ...kubeObjects(objects, core),
    async tenant(policyHcl, opts = {}) {
      const namespace = opts.namespace ?? unique(`${file}-t`);
      await ensureServiceAccount(kc, namespace, 'app');
      const policy = unique('policy');
      await bao.write(`sys/policies/acl/${policy}`, { policy: policyHcl });
      const role = unique('role');
      await bao.write(`auth/${authMount}/role/${role}`, {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: [namespace],
        token_policies: [policy],
        token_ttl: opts.tokenTtl ?? '1h',
        token_max_ttl: '2h',
      });
      await ops.create({
        apiVersion: VAULT,
        kind: 'VaultAuth',
        metadata: { name: 'default', namespace },
        spec: { method: 'kubernetes', mount: authMount, kubernetes: { role, serviceAccount: 'app' } },
      });
      return { namespace, role };
    },
    async databaseMount(ttl) {
      const mount = unique('db');
      // Eight characters: OpenBao keeps the first eight of the role name in the PostgreSQL user name.
      const role = unique('r').slice(0, 8);
      mounts.push(mount);
      await seedDatabase(bao, {
        postgres: postgresConfigFromEnv(),
        mount,
        connectionName: 'pg',
        dynamicRole: { name: role, ...ttl },
        staticRole: false,
      });
      return { mount, role };
    },
    async databaseTenant(ttl, opts) {
      const db = await ops.databaseMount(ttl);
      const { namespace } = await ops.tenant(leasePolicy(db.mount, db.role), opts);
      return { db, namespace };
    },
    async pkiMount() {
      const mount = unique('pki');
      mounts.push(mount);
      await seedPki(bao, { mount, roleName: 'web', maxTtl: '1h' });
      return { mount, role: 'web' };
    },
    async kvMount() {
      const mount = unique('kv');
      mounts.push(mount);
      await bao.write(`sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
      return mount;
    },
    async create(obj) {
      return (await objects.create(obj)) as Obj;
    },
    async replaceFakeData(namespace, name, data) {
      const store = (await ops.get(EXTERNAL, 'SecretStore', namespace, name)) as Obj;
      store.spec.provider.fake.data = data;
      await custom.replaceNamespacedCustomObject({
        group: 'external.lockstep.dev',
        version: 'v1',
        namespace,
        plural: 'secretstores',
        name,
        body: store,
      });
    },
    async deployment(namespace, name) {
      await apps.createNamespacedDeployment({ namespace, body: appDeployment(name) });
    },
    async restartedAt(namespace, name) {
      const d = await apps.readNamespacedDeployment({ namespace, name });
      return d.spec?.template?.metadata?.annotations?.['lockstep.dev/restartedAt'];
    },
    async lease() {
      const l = await unlessNotFound(() =>
        coordination.readNamespacedLease({ namespace: CONTROLLER_NAMESPACE, name: LEADER_LEASE_NAME }),
      );
      return l && (l.spec ?? {});
    },
    controllerRequests: () => server.requests().filter((r) => r.user === CONTROLLER_USER),
    forbiddenRequests: () => ops.controllerRequests().filter((r) => r.code === 403),
    pgRoles: usersOfDynamicRole,
    lockstep(podName, args = []) {
      const p = startControllerPod({
        kubeconfigPath,
        controllerNamespace: CONTROLLER_NAMESPACE,
        podName,
        logFile: join(dir, `${podName}.log`),
        args: [...rbac.namespaceArgs, ...args],
      });
      processes.push(p);
      return p;
    },
    async stop() {
      // After every file: no secret value in any pod's log, Events or any status.
      const logText = () =>
        processes.map((p) => (existsSync(p.logFile) ? readFileSync(p.logFile, 'utf8') : '')).join('\n');
      try {
        await server.stop({
          leaks: { core, custom, logText },
          stopControllers: async () => {
            for (const p of processes) await p.kill();
            await rbac.remove();
          },
        });
      } finally {
        await bao.delete(`sys/auth/${authMount}`).catch(() => {});
        for (const m of mounts) await bao.delete(`sys/mounts/${m}`).catch(() => {});
        if (!process.env.LOCKSTEP_KEEP_E2E) await rm(dir, { recursive: true, force: true });
      }
    },
  };
  return ops;
}

/** waitFor with a 30 s default: these scenarios load one machine with several processes. */
export function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<NonNullable<T>> {
  return waitForWithin(what, fn, timeoutMs);
}

/** Starts replica `leader` and waits until it leads, then replica `standby`, which must not; answers both. */
export async function leaderAndStandby(
  ops: Ops,
  leader: string,
  standby: string,
  args: string[] = FAST_LEADER_ARGS,
): Promise<[ControllerPod, ControllerPod]> {
  const first = ops.lockstep(leader, args);
  await first.ready();
  await waitFor(`${leader} to lead`, () => first.leading());
  const second = ops.lockstep(standby, args);
  await second.ready();
  if (second.leading()) throw new Error(`${standby} leads while ${leader} does: two leaders`);
  return [first, second];
}

/** Waits until the object is Ready=True; answers it. */
export async function waitReady(
  ops: Ops,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
  timeoutMs = 30_000,
): Promise<Obj> {
  const { obj } = await waitForReadyCondition(
    `${kind} ${namespace ?? ''}/${name} Ready`,
    () => ops.get(apiVersion, kind, namespace, name),
    (c) => c.status === 'True',
    timeoutMs,
  );
  return obj;
}

/** VaultDynamicSecret `creds`: leased credentials of `db` in Secret `db-creds`, revoked when it is deleted. */
export function dynamicSecret(namespace: string, db: { mount: string; role: string }, spec: object = {}): Obj {
  return {
    apiVersion: VAULT,
    kind: 'VaultDynamicSecret',
    metadata: { name: 'creds', namespace },
    spec: {
      mount: db.mount,
      path: `creds/${db.role}`,
      revoke: true,
      destination: { name: 'db-creds', create: true },
      ...spec,
    },
  };
}

/** Policy lines a tenant needs for leased database credentials. */
export function leasePolicy(mount: string, role: string): string {
  return [
    `path "${mount}/creds/${role}" { capabilities = ["read"] }`,
    'path "sys/leases/renew" { capabilities = ["update"] }',
    'path "sys/leases/revoke" { capabilities = ["update"] }',
  ].join('\n');
}
