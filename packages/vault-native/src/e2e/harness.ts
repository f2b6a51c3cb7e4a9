// Integration harness for the Vault-native kinds: a per-file embedded API server with the
// CRDs, the Vault-native controllers running in-process against it, and the sandbox's real
// OpenBao (BAO_ADDR/BAO_TOKEN) with a kubernetes auth mount of this file's own that validates
// service-account tokens through this API server's TokenReview. Tests act as a user would:
// through the Kubernetes API, asserting on Secrets, conditions and OpenBao/PostgreSQL state.

import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  clientEventSink,
  clientRolloutRestarter,
  clientSecretApi,
  clientStatusPatcher,
  createEventRecorder,
  createKubeAccess,
  MANAGED_SELECTOR,
  ResourceInformer,
  realClock,
  systemRandom,
} from '@lockstep/core';
import {
  type ApiServer,
  ensureNamespace,
  ensureServiceAccount,
  type OpenBaoApi,
  openBaoFromEnv,
  requirePeerEnv,
  serviceAccountToken,
  startApiServer,
} from '@lockstep/sandbox';
import { type VaultNativeEngine, vaultNativeControllers } from '../reconcilers/wiring.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const GROUP = 'vault.lockstep.dev';
export const VERSION = 'v1beta1';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface Harness {
  server: ApiServer;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  bao: OpenBaoApi;
  baoAddr: string;
  controllerNamespace: string;
  /** This file's kubernetes auth mount in OpenBao. */
  authMount: string;
  engine: VaultNativeEngine;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  graceSeconds?: number;
  /** Start without the controllers (e.g. to test a restart). */
  controllers?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const env = requirePeerEnv('openbao');
  const server = await startApiServer({ port: 0, crdDirs: [join(REPO, 'crds')], rolloutDelayMs: 200 });
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const controllerNamespace = unique('lockstep');
  await ensureNamespace(kc, controllerNamespace);
  const bao = openBaoFromEnv();

  // A kubernetes auth mount of this file's own, pointing at this file's API server.
  const authMount = unique('k8s');
  await bao.write(`sys/auth/${authMount}`, { type: 'kubernetes' });
  await ensureServiceAccount(kc, controllerNamespace, 'token-reviewer');
  await bao.write(`auth/${authMount}/config`, {
    kubernetes_host: server.url,
    kubernetes_ca_cert: server.caPem,
    token_reviewer_jwt: await serviceAccountToken(kc, controllerNamespace, 'token-reviewer', {
      expirationSeconds: 24 * 3600,
    }),
    disable_local_ca_jwt: true,
    disable_iss_validation: true,
  });

  const custom = kc.makeApiClient(CustomObjectsApi);
  // The `default` VaultConnection in the controller namespace serves every VaultAuth without a ref.
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: controllerNamespace,
    plural: 'vaultconnections',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'VaultConnection',
      metadata: { name: 'default' },
      spec: { address: env.BAO_ADDR, skipTLSVerify: false },
    },
  });

  const engine = await startEngine(kc, controllerNamespace, opts);
  const h: Harness = {
    server,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom,
    bao,
    baoAddr: env.BAO_ADDR as string,
    controllerNamespace,
    authMount,
    engine: engine.engine,
    async stop() {
      await engine.stop();
      await bao.delete(`sys/auth/${authMount}`).catch(() => {});
      await server.stop();
    },
  };
  return h;
}

/** The controllers as the binary wires them, over this API server. */
export async function startEngine(
  kc: KubeConfig,
  controllerNamespace: string,
  opts: HarnessOptions = {},
): Promise<{ engine: VaultNativeEngine; stop(): Promise<void> }> {
  const managedSecrets = new ResourceInformer<V1Secret>({
    kubeConfig: kc,
    apiVersion: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    labelSelector: MANAGED_SELECTOR,
  });
  const engine = vaultNativeControllers({
    kc,
    clock: realClock,
    random: systemRandom,
    kube: createKubeAccess(kc),
    secretApi: clientSecretApi(kc),
    status: clientStatusPatcher(kc),
    events: createEventRecorder(clientEventSink(kc), realClock),
    rollout: clientRolloutRestarter(kc),
    macKey: Buffer.from('e2e-hmac-key-0123456789abcdef012'),
    managedSecrets,
    controllerNamespace,
    ...(opts.graceSeconds !== undefined ? { graceSeconds: opts.graceSeconds } : {}),
  });
  if (opts.controllers !== false) {
    await managedSecrets.start();
    await Promise.all(engine.controllers.map((c) => c.start()));
  }
  return {
    engine,
    async stop() {
      await Promise.all(engine.controllers.map((c) => c.stop(5_000)));
      await managedSecrets.stop();
      engine.stop();
    },
  };
}

export interface Tenant {
  namespace: string;
  role: string;
  policy: string;
}

/**
 * A namespace with service account `app`, an OpenBao policy and a kubernetes-auth role bound to
 * that service account in that namespace only, and a VaultAuth named `default` using it.
 */
export async function createTenant(h: Harness, policyHcl: string, extra: { vaultAuth?: object } = {}): Promise<Tenant> {
  const namespace = unique('tenant');
  await ensureServiceAccount(h.kc, namespace, 'app');
  const policy = unique('policy');
  await h.bao.write(`sys/policies/acl/${policy}`, { policy: policyHcl });
  const role = unique('role');
  await h.bao.write(`auth/${h.authMount}/role/${role}`, {
    bound_service_account_names: ['app'],
    bound_service_account_namespaces: [namespace],
    token_policies: [policy],
    token_ttl: '1h',
  });
  await apply(h, 'VaultAuth', namespace, 'default', {
    method: 'kubernetes',
    mount: h.authMount,
    kubernetes: { role, serviceAccount: 'app' },
    ...extra.vaultAuth,
  });
  return { namespace, role, policy };
}

const PLURAL: Record<string, string> = {
  VaultConnection: 'vaultconnections',
  VaultAuth: 'vaultauths',
  VaultStaticSecret: 'vaultstaticsecrets',
  VaultPKISecret: 'vaultpkisecrets',
  VaultDynamicSecret: 'vaultdynamicsecrets',
};

export async function apply(h: Harness, kind: string, namespace: string, name: string, spec: object): Promise<void> {
  await h.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL[kind] as string,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they assert on
export type Obj = { metadata: any; spec: any; status?: any };

export async function getObject(h: Harness, kind: string, namespace: string, name: string): Promise<Obj | undefined> {
  try {
    return (await h.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL[kind] as string,
      name,
    })) as Obj;
  } catch {
    return undefined;
  }
}

export async function deleteObject(h: Harness, kind: string, namespace: string, name: string): Promise<void> {
  await h.custom.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL[kind] as string,
    name,
  });
}

export function readyOf(obj: Obj | undefined): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = obj?.status?.conditions as
    | Array<{ type: string; status?: string; reason?: string; message?: string }>
    | undefined;
  return conditions?.find((c) => c.type === 'Ready');
}

export async function secretData(
  h: Harness,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const s = await h.core.readNamespacedSecret({ namespace, name });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  } catch {
    return undefined;
  }
}

/** Polls until `fn` answers something truthy; fails with `what` and the last value after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function createDeployment(h: Harness, namespace: string, name: string): Promise<void> {
  await h.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
      },
    },
  });
}

export async function restartedAt(h: Harness, namespace: string, name: string): Promise<string | undefined> {
  const d = await h.apps.readNamespacedDeployment({ namespace, name });
  return d.spec?.template?.metadata?.annotations?.['lockstep.dev/restartedAt'];
}

/** Writes to Secrets in `namespace` the API server saw (create, update, patch). */
export function secretWrites(h: Harness, namespace: string): number {
  return h.server
    .requests()
    .filter(
      (r) =>
        r.resource === 'secrets' &&
        r.namespace === namespace &&
        (r.verb === 'create' || r.verb === 'update' || r.verb === 'patch'),
    ).length;
}

/** Patches to the pod template of Deployments in `namespace` (rollout restarts). */
export function deploymentPatches(h: Harness, namespace: string, name: string): number {
  return h.server
    .requests()
    .filter((r) => r.resource === 'deployments' && r.namespace === namespace && r.name === name && r.verb === 'patch')
    .length;
}
