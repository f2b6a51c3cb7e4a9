// Integration harness for the generic pipeline: each test file gets its own embedded API
// server (with the repo's CRDs) and its own `lockstep` process; only OpenBao, PostgreSQL and
// moto are shared between files. Tests act through the Kubernetes API as a user would and
// assert on what the user sees: Secrets, conditions, events, the request log, /metrics.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { type ApiServer, ensureNamespace, startApiServer } from '@lockstep/sandbox';
import { type ControllerUnderTest, startControllerUnderTest } from './controller-under-test.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const EXTERNAL = 'external.lockstep.dev/v1';
export const GENERATORS = 'generators.lockstep.dev/v1alpha1';
const CONTROLLER_NAMESPACE = 'lockstep-system';

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they assert on
export type Obj = KubernetesObject & { spec?: any; status?: any; data?: any };

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface E2eOptions {
  /** Short name of the test file, used in every name it creates in the shared peers. */
  file: string;
  /** `--namespace` flags for the controller; none: every namespace. */
  watchNamespaces?: string[];
  /** More controller flags, e.g. `['--coalesce-window', '1000']`. */
  args?: string[];
}

export interface E2e {
  file: string;
  server: ApiServer;
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
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj | undefined>;
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void>;
  /** The Secret's data decoded to strings, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
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
  const server = await startApiServer({ port: 0, crdDirs: [join(REPO, 'crds')], rolloutDelayMs: 200 });
  const kubeconfigPath = join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  await ensureNamespace(kc, CONTROLLER_NAMESPACE);
  for (const ns of opts.watchNamespaces ?? []) await ensureNamespace(kc, ns);

  const controller = startControllerUnderTest({
    kubeconfigPath,
    controllerNamespace: CONTROLLER_NAMESPACE,
    logFile: join(dir, 'controller.log'),
    ...(opts.watchNamespaces ? { namespaces: opts.watchNamespaces } : {}),
    args: ['--enable-generic', ...(opts.args ?? [])],
    // Roles in AWS stores are assumed through moto's STS, as the SDK's endpoint variables allow.
    env: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
      ? { AWS_ENDPOINT_URL_STS: process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER }
      : {},
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

  const e2e: E2e = {
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
    unique: (prefix) => `${opts.file}-${prefix}-${suffix()}`,
    async namespace(prefix, labels) {
      const name = `${prefix}-${suffix()}`;
      await core.createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
      return name;
    },
    async apply(obj) {
      try {
        return (await objects.create(obj)) as Obj;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) throw err;
        const current = (await objects.read(obj as never)) as Obj;
        return (await objects.replace({
          ...obj,
          metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion },
          ...(current.status ? { status: current.status } : {}),
        })) as Obj;
      }
    },
    async get(apiVersion, kind, namespace, name) {
      try {
        return (await objects.read({ apiVersion, kind, metadata: { name, namespace } } as never)) as Obj;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    },
    async remove(apiVersion, kind, namespace, name) {
      try {
        await objects.delete({ apiVersion, kind, metadata: { name, namespace } } as never);
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404)) throw err;
      }
    },
    async secret(namespace, name) {
      try {
        const s = await core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
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
    async leaks() {
      return findLeaks(e2e, [...remembered]);
    },
    async stop() {
      await controller.stop();
      await server.stop();
      if (!process.env.LOCKSTEP_KEEP_E2E) await rm(dir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/** Polls until `fn` answers something truthy; fails with `what` and the last answer after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function readyOf(obj: Obj | undefined): Condition | undefined {
  return (obj?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
}

/** Waits until the object's Ready condition has `status` (and, when given, `reason`); answers the condition. */
export async function waitForReady(
  e2e: E2e,
  ref: { apiVersion?: string; kind: string; namespace?: string; name: string },
  status: 'True' | 'False',
  opts: { reason?: string; timeoutMs?: number } = {},
): Promise<Condition> {
  let last: Obj | undefined;
  try {
    return await waitFor(
      `${ref.kind} ${ref.namespace ?? ''}/${ref.name} Ready=${status}${opts.reason ? ` (${opts.reason})` : ''}`,
      async () => {
        last = await e2e.get(ref.apiVersion ?? EXTERNAL, ref.kind, ref.namespace, ref.name);
        const c = readyOf(last);
        return c?.status === status && (!opts.reason || c.reason === opts.reason) ? c : undefined;
      },
      opts.timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; status: ${JSON.stringify(last?.status)}`);
  }
}

/** An ExternalSecret object with the usual defaults filled in by the caller's spec. */
export function externalSecret(namespace: string, name: string, spec: object, metadata: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'ExternalSecret', metadata: { name, namespace, ...metadata }, spec };
}

export function secretStore(namespace: string, name: string, provider: object, extra: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'SecretStore', metadata: { name, namespace }, spec: { provider, ...extra } };
}

export function clusterSecretStore(name: string, provider: object, extra: object = {}): Obj {
  return { apiVersion: EXTERNAL, kind: 'ClusterSecretStore', metadata: { name }, spec: { provider, ...extra } };
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

async function findLeaks(e2e: E2e, values: string[]): Promise<string[]> {
  if (values.length === 0) return [];
  const places: Array<{ where: string; text: string }> = [];
  places.push({ where: 'controller log', text: await readFile(e2e.controller.logFile, 'utf8').catch(() => '') });
  const events = await e2e.core.listEventForAllNamespaces();
  for (const ev of events.items) {
    places.push({
      where: `Event ${ev.metadata?.namespace}/${ev.metadata?.name} (${ev.reason})`,
      text: JSON.stringify([ev.message, ev.reason, ev.action]),
    });
  }
  const kinds: Array<[string, string]> = [
    ['externalsecrets', 'ExternalSecret'],
    ['secretstores', 'SecretStore'],
    ['clustersecretstores', 'ClusterSecretStore'],
    ['clusterexternalsecrets', 'ClusterExternalSecret'],
  ];
  for (const [plural, kind] of kinds) {
    const list = (await e2e.custom.listClusterCustomObject({
      group: 'external.lockstep.dev',
      version: 'v1',
      plural,
    })) as { items: Obj[] };
    for (const item of list.items) {
      places.push({
        where: `${kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name} status`,
        text: JSON.stringify(item.status ?? {}),
      });
    }
  }
  const found: string[] = [];
  for (const value of values) {
    const forms = [value, Buffer.from(value).toString('base64')];
    for (const place of places) {
      if (forms.some((f) => place.text.includes(f))) found.push(`${JSON.stringify(value)} in ${place.where}`);
    }
  }
  return found;
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
