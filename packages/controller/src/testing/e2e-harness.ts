// Integration harness for the generic pipeline: each test file gets its own embedded API
// server (with the repo's CRDs) and its own `lockstep` process; only OpenBao, PostgreSQL and
// moto are shared between files. Tests act through the Kubernetes API as a user would and
// assert on what the user sees: Secrets, conditions, events, the request log, /metrics.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { acquireTestCluster, ensureNamespace, findLeaks, type TestCluster } from '@lockstep/sandbox';
import { REPO_ROOT } from '../chart/helm-chart.ts';
import { type ControllerUnderTest, startControllerUnderTest } from './controller-under-test.ts';
import { EXTERNAL, type Obj } from './external-resources.ts';
import { type KubeObjects, kubeObjects } from './kube-objects.ts';
import { type Condition, waitForReadyCondition } from './ready-condition.ts';
import { waitFor } from './wait-for.ts';

export const REPO = REPO_ROOT;
const CONTROLLER_NAMESPACE = 'lockstep-system';

export interface E2eOptions {
  /** Short name of the test file, used in every name it creates in the shared peers. */
  file: string;
  /** `--namespace` flags for the controller; none: every namespace. */
  watchNamespaces?: string[];
  /** More controller flags, e.g. `['--coalesce-window', '1000']`. */
  args?: string[];
  /** More environment for the controller, e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER of a fault proxy. */
  env?: Record<string, string>;
  /** Runs once the cluster is up and before the controller starts: objects a user applied while it was down. */
  beforeController?: (cluster: { kc: KubeConfig; kubeconfigPath: string; dir: string }) => Promise<void>;
}

export interface E2e extends KubeObjects {
  file: string;
  server: TestCluster;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
  controller: ControllerUnderTest;
  kubeconfigPath: string;
  controllerNamespace: string;
  dir: string;
  /** A name unique to this file and run: `<file>-<prefix>-<random>`. */
  unique(prefix: string): string;
  /** Creates a namespace with a unique name (and the given labels). */
  namespace(prefix: string, labels?: Record<string, string>): Promise<string>;
  /** Creates the object, or replaces it when it exists (as `kubectl apply` would, roughly). */
  apply(obj: Obj): Promise<Obj>;
  /** Writes to Secrets in `namespace` the API server saw (create, update, patch, delete). */
  secretWrites(namespace: string, name?: string): number;
  /** Remembers values the tests put into the peers; `leaks()` looks for them. */
  rememberSecretValues(...values: string[]): void;
  /** Where a remembered value shows up in the controller log, Events or statuses. */
  leaks(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startE2e(opts: E2eOptions): Promise<E2e> {
  const dir = await mkdtemp(join(tmpdir(), `lockstep-e2e-${opts.file}-`));
  const server = await acquireTestCluster(`e2e ${opts.file}`);
  const kubeconfigPath = join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfigPath);
  const kc = server.kc;
  await ensureNamespace(kc, CONTROLLER_NAMESPACE);
  for (const ns of opts.watchNamespaces ?? []) await ensureNamespace(kc, ns);
  try {
    await opts.beforeController?.({ kc, kubeconfigPath, dir });
  } catch (err) {
    await server.stop();
    throw err;
  }

  const controller = startControllerUnderTest({
    kubeconfigPath,
    controllerNamespace: CONTROLLER_NAMESPACE,
    logFile: join(dir, 'controller.log'),
    ...(opts.watchNamespaces ? { namespaces: opts.watchNamespaces } : {}),
    args: ['--enable-generic', ...(opts.args ?? [])],
    // Roles in AWS stores are assumed through moto's STS, as the SDK's endpoint variables allow.
    env: {
      ...(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
        ? { AWS_ENDPOINT_URL_STS: process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER }
        : {}),
      ...opts.env,
    },
  });
  try {
    await controller.ready();
  } catch (err) {
    await controller.stop();
    await server.stop();
    throw err;
  }

  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const remembered = new Set<string>();
  const suffix = () => randomBytes(3).toString('hex');

  return {
    file: opts.file,
    server,
    kc,
    core,
    custom,
    objects,
    controller,
    kubeconfigPath,
    controllerNamespace: CONTROLLER_NAMESPACE,
    dir,
    ...kubeObjects(objects, core),
    unique: (prefix) => `${opts.file}-${prefix}-${suffix()}`,
    async namespace(prefix, labels) {
      const name = `${prefix}-${suffix()}`;
      await core.createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
      return name;
    },
    async apply(obj) {
      try {
        // A create must not carry a resourceVersion (a real API server answers 500).
        const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
        return (await objects.create({ ...obj, metadata })) as Obj;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) throw err;
        // Read, then replace at that resourceVersion; the controller's status patches move it
        // (every second with refreshInterval 1s): read again when it moved in between.
        for (let attempt = 1; ; attempt++) {
          const current = (await objects.read(obj as never)) as Obj;
          try {
            return (await objects.replace({
              ...obj,
              metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion },
              ...(current.status ? { status: current.status } : {}),
            })) as Obj;
          } catch (conflict) {
            if (!(conflict instanceof ApiException && conflict.code === 409) || attempt >= 5) throw conflict;
          }
        }
      }
    },
    secretWrites(namespace, name) {
      return server
        .requests()
        .filter(
          (r) =>
            r.resource === 'secrets' &&
            r.subresource === undefined &&
            r.namespace === namespace &&
            (name === undefined || r.name === name) &&
            ['create', 'update', 'patch', 'delete'].includes(r.verb),
        ).length;
    },
    rememberSecretValues(...values) {
      for (const v of values) if (v.length >= 6) remembered.add(v);
    },
    leaks: () => findLeaks({ logFile: controller.logFile, core, custom }, [...remembered]),
    async stop() {
      try {
        // After every file: no secret value in the log, /metrics, Events or any status.
        await server.stop({
          leaks: { logFile: controller.logFile, core, custom, metrics: () => controller.metrics().catch(() => '') },
          remembered,
          stopControllers: () => controller.stop(),
        });
      } finally {
        if (!process.env.LOCKSTEP_KEEP_E2E) await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Waits until the object's Ready condition has `status` (and, when given, `reason`); answers the condition. */
export async function waitForReady(
  e2e: E2e,
  ref: { apiVersion?: string; kind: string; namespace?: string; name: string },
  status: 'True' | 'False',
  opts: { reason?: string; timeoutMs?: number } = {},
): Promise<Condition> {
  const { ready } = await waitForReadyCondition(
    `${ref.kind} ${ref.namespace ?? ''}/${ref.name} Ready=${status}${opts.reason ? ` (${opts.reason})` : ''}`,
    () => e2e.get(ref.apiVersion ?? EXTERNAL, ref.kind, ref.namespace, ref.name),
    (c) => c.status === status && (!opts.reason || c.reason === opts.reason),
    opts.timeoutMs,
  );
  return ready;
}

/** A plain Secret written as a user would (not by the controller). */
export async function userSecret(
  e2e: E2e,
  namespace: string,
  name: string,
  data: Record<string, string>,
  extra: { labels?: Record<string, string> } = {},
): Promise<void> {
  await e2e.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
      stringData: data,
    },
  });
}

/** Waits until the ExternalSecret's status.refreshTime moved twice: two refresh periods passed. */
export async function refreshedTwice(e: E2e, namespace: string, name: string): Promise<void> {
  const refreshTime = async () =>
    (await e.get(EXTERNAL, 'ExternalSecret', namespace, name))?.status?.refreshTime as string | undefined;
  const seen = new Set([await refreshTime()]);
  await waitFor(
    `two refreshes of ${namespace}/${name}`,
    async () => {
      seen.add(await refreshTime());
      return seen.size >= 3;
    },
    60_000,
  );
}

/** Stops each in turn, every one even when an earlier stop throws; the first error is rethrown. */
export async function stopAll(...parts: Array<{ stop(): Promise<unknown> } | undefined>): Promise<void> {
  let first: unknown;
  for (const part of parts) {
    try {
      await part?.stop();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
