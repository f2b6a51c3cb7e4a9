// Integration harness for the Vault-native kinds: the shared test cluster (held alone while the
// file runs), the Vault-native controllers running in-process against it, and the sandbox's real
// OpenBao (BAO_ADDR/BAO_TOKEN) with a kubernetes auth mount of this file's own that validates
// service-account tokens through the cluster's TokenReview. Tests act as a user would:
// through the Kubernetes API, asserting on Secrets, conditions and OpenBao/PostgreSQL state.

import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  clientEventSink,
  clientRolloutRestarter,
  clientSecretApi,
  clientStatusPatcher,
  createEventRecorder,
  createKubeAccess,
  createMetrics,
  MANAGED_SELECTOR,
  type ModelDeps,
  ResourceInformer,
  realClock,
  systemRandom,
} from '@lockstep/core';
import { silentLogger } from '@lockstep/core/testing';
import {
  acquireTestCluster,
  appDeployment,
  ensureNamespace,
  ensureServiceAccount,
  grantTokenReview,
  type OpenBaoApi,
  openBaoApi,
  openBaoFromEnv,
  requirePeerEnv,
  serviceAccountToken,
  type TestCluster,
} from '@lockstep/sandbox';
import { type VaultNativeEngine, vaultNativeControllers } from '../reconcilers/wiring.ts';

export const GROUP = 'vault.lockstep.dev';
export const VERSION = 'v1beta1';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface HarnessOptions {
  graceSeconds?: number;
  /** Start without the controllers (e.g. to test a restart). */
  controllers?: boolean;
  /**
   * An OpenBao of the file's own (e.g. a durable one the test stops and seals) instead of the
   * sandbox's shared one from BAO_ADDR/BAO_TOKEN: the auth mount and VaultConnection go to it.
   */
  bao?: { addr: string; token: string };
}

export interface Tenant {
  namespace: string;
  role: string;
  policy: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they assert on
export type Obj = { metadata: any; spec: any; status?: any };

const PLURAL: Record<string, string> = {
  VaultConnection: 'vaultconnections',
  VaultAuth: 'vaultauths',
  VaultStaticSecret: 'vaultstaticsecrets',
  VaultPKISecret: 'vaultpkisecrets',
  VaultDynamicSecret: 'vaultdynamicsecrets',
};

/** One test file's API server, controllers and OpenBao auth mount, and what its tests do through them. */
export class Harness {
  readonly server: TestCluster;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly bao: OpenBaoApi;
  readonly baoAddr: string;
  readonly controllerNamespace: string;
  /** This file's kubernetes auth mount in OpenBao. */
  readonly authMount: string;
  readonly engine: VaultNativeEngine;
  readonly #stopEngine: () => Promise<void>;
  /** Secrets engines this file enabled, removed by stop(). */
  readonly #mounts: string[] = [];

  constructor(parts: {
    server: TestCluster;
    kc: KubeConfig;
    bao: OpenBaoApi;
    baoAddr: string;
    controllerNamespace: string;
    authMount: string;
    engine: { engine: VaultNativeEngine; stop(): Promise<void> };
  }) {
    this.server = parts.server;
    this.kc = parts.kc;
    this.core = parts.kc.makeApiClient(CoreV1Api);
    this.apps = parts.kc.makeApiClient(AppsV1Api);
    this.custom = parts.kc.makeApiClient(CustomObjectsApi);
    this.bao = parts.bao;
    this.baoAddr = parts.baoAddr;
    this.controllerNamespace = parts.controllerNamespace;
    this.authMount = parts.authMount;
    this.engine = parts.engine.engine;
    this.#stopEngine = parts.engine.stop;
  }

  async stop(): Promise<void> {
    try {
      // After every file: no secret value in Events or any status (the controllers run in-process).
      await this.server.stop({ leaks: { core: this.core, custom: this.custom }, stopControllers: this.#stopEngine });
    } finally {
      await this.bao.delete(`sys/auth/${this.authMount}`).catch(() => {});
      for (const mount of this.#mounts) await this.bao.delete(`sys/mounts/${mount}`).catch(() => {});
    }
  }

  /** Enables a secrets engine at a fresh path named after `prefix`; stop() removes it. */
  async mount(prefix: string, type: string, options?: Record<string, string>): Promise<string> {
    const path = unique(prefix);
    this.#mounts.push(path);
    await this.bao.write(`sys/mounts/${path}`, { type, ...(options ? { options } : {}) });
    return path;
  }

  /**
   * A namespace with service account `app`, an OpenBao policy and a kubernetes-auth role bound to
   * that service account in that namespace only, and a VaultAuth named `default` using it.
   */
  async createTenant(policyHcl: string, extra: { vaultAuth?: object } = {}): Promise<Tenant> {
    const namespace = unique('tenant');
    await ensureServiceAccount(this.kc, namespace, 'app');
    const policy = unique('policy');
    await this.bao.write(`sys/policies/acl/${policy}`, { policy: policyHcl });
    const role = unique('role');
    await this.bao.write(`auth/${this.authMount}/role/${role}`, {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: [namespace],
      token_policies: [policy],
      token_ttl: '1h',
    });
    await this.apply('VaultAuth', namespace, 'default', {
      method: 'kubernetes',
      mount: this.authMount,
      kubernetes: { role, serviceAccount: 'app' },
      ...extra.vaultAuth,
    });
    return { namespace, role, policy };
  }

  async apply(kind: string, namespace: string, name: string, spec: object): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL[kind] as string,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
    });
  }

  async getObject(kind: string, namespace: string, name: string): Promise<Obj | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
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

  async deleteObject(kind: string, namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL[kind] as string,
      name,
    });
  }

  async secretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    } catch {
      return undefined;
    }
  }

  async createDeployment(namespace: string, name: string, opts: { minReadySeconds?: number } = {}): Promise<void> {
    await this.apps.createNamespacedDeployment({ namespace, body: appDeployment(name, opts) });
  }

  async restartedAt(namespace: string, name: string): Promise<string | undefined> {
    const d = await this.apps.readNamespacedDeployment({ namespace, name });
    return d.spec?.template?.metadata?.annotations?.['lockstep.dev/restartedAt'];
  }

  /** Writes to Secrets in `namespace` the API server saw (create, update, patch). */
  secretWrites(namespace: string): number {
    return this.server
      .requests()
      .filter(
        (r) =>
          r.resource === 'secrets' &&
          r.namespace === namespace &&
          (r.verb === 'create' || r.verb === 'update' || r.verb === 'patch'),
      ).length;
  }

  /** Patches to the pod template of Deployments in `namespace` (rollout restarts). */
  deploymentPatches(namespace: string, name: string): number {
    return this.server
      .requests()
      .filter((r) => r.resource === 'deployments' && r.namespace === namespace && r.name === name && r.verb === 'patch')
      .length;
  }
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const baoAddr = opts.bao?.addr ?? requirePeerEnv('openbao').BAO_ADDR;
  const server = await acquireTestCluster(`vault-native ${unique('harness')}`);
  const kc = server.kc;
  const controllerNamespace = unique('lockstep');
  await ensureNamespace(kc, controllerNamespace);
  const bao = opts.bao ? openBaoApi(opts.bao.addr, opts.bao.token) : openBaoFromEnv();

  // A kubernetes auth mount of this file's own, pointing at this file's API server.
  const authMount = unique('k8s');
  await bao.write(`sys/auth/${authMount}`, { type: 'kubernetes' });
  await ensureServiceAccount(kc, controllerNamespace, 'token-reviewer');
  await grantTokenReview(kc, controllerNamespace, 'token-reviewer');
  await bao.write(`auth/${authMount}/config`, {
    kubernetes_host: server.url,
    kubernetes_ca_cert: server.caPem,
    token_reviewer_jwt: await serviceAccountToken(kc, controllerNamespace, 'token-reviewer', {
      expirationSeconds: 24 * 3600,
    }),
    disable_local_ca_jwt: true,
    disable_iss_validation: true,
  });

  // The `default` VaultConnection in the controller namespace serves every VaultAuth without a ref.
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: controllerNamespace,
    plural: 'vaultconnections',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'VaultConnection',
      metadata: { name: 'default' },
      spec: { address: baoAddr, skipTLSVerify: false },
    },
  });

  const engine = await startEngine(kc, controllerNamespace, opts);
  return new Harness({
    server,
    kc,
    bao,
    baoAddr: baoAddr as string,
    controllerNamespace,
    authMount,
    engine,
  });
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
  const metrics = createMetrics({ clock: realClock });
  const deps: ModelDeps = {
    kc,
    clock: realClock,
    random: systemRandom,
    log: silentLogger(),
    metrics,
    kube: createKubeAccess(kc),
    secretApi: clientSecretApi(kc),
    status: clientStatusPatcher(kc),
    events: createEventRecorder(clientEventSink(kc), realClock),
    rollout: clientRolloutRestarter(kc),
    macKey: Buffer.from('e2e-hmac-key-0123456789abcdef012'),
    managedSecrets,
    watchNamespaces: [],
    concurrency: 2,
  };
  const engine = vaultNativeControllers(deps, {
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
      await metrics.shutdown();
    },
  };
}

export function readyOf(obj: Obj | undefined): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = obj?.status?.conditions as
    | Array<{ type: string; status?: string; reason?: string; message?: string }>
    | undefined;
  return conditions?.find((c) => c.type === 'Ready');
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
