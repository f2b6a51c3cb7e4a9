// Secrets of one remote namespace as a secret store, with ESO's semantics: the remote key is
// a Secret name, `property` a key of its data, and a whole Secret reads as a JSON object of
// its (text) values.

import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  BackendError,
  type FindRef,
  type KubeCallTarget,
  kubeError,
  type ProviderContext,
  type PushOptions,
  type PushRef,
  type RemoteRef,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
} from '@lockstep/core';
import type { KubernetesProvider as KubernetesProviderSpec } from '../../api/provider-kubernetes.ts';
import { type CallObserver, observed } from '../call-observer.ts';
import { jsonObjectToMap, selectProperty, utf8 } from '../json-property.ts';
import { nameMatcher, requireCriteria } from '../name-matcher.ts';
import { checkKubernetesPushMetadata, pushedSecretMetadata } from './push-metadata.ts';
import { buildRemoteConfig } from './remote-config.ts';

/** Marks a remote Secret a PushSecret created: only such a Secret is updated or deleted by a push. */
export const PUSHED_BY_ANNOTATION = 'lockstep.dev/pushed-by';
export const PUSHED_BY_VALUE = 'lockstep';

export interface KubernetesClientOptions {
  local?: KubeConfig;
  onCall?: CallObserver;
  now: () => number;
}

export class KubernetesClient implements SecretsClient {
  private readonly spec: KubernetesProviderSpec;
  private readonly ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>;
  private readonly opts: KubernetesClientOptions;
  private readonly namespace: string;
  private state: ApiState | undefined;

  constructor(
    spec: KubernetesProviderSpec,
    ctx: Pick<ProviderContext, 'store' | 'namespace' | 'kube'>,
    opts: KubernetesClientOptions,
  ) {
    this.spec = spec;
    this.ctx = ctx;
    this.opts = opts;
    this.namespace = spec.remoteNamespace || 'default';
  }

  /** Fetches the credentials once; newClient fails early on a store that cannot log in. */
  async connect(): Promise<void> {
    await this.api();
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const secret = await this.read(ref.key);
    if (ref.metadataPolicy === 'Fetch') {
      const doc = utf8(JSON.stringify(metadataOf(secret)));
      return ref.property ? selectProperty('kubernetes', ref.key, doc, ref.property) : doc;
    }
    const data = dataOf(secret);
    if (!ref.property) return utf8(JSON.stringify(asText(data)));
    // A data key is returned byte for byte (binary values survive); otherwise a JSON path as ESO.
    const direct = data[ref.property];
    if (direct !== undefined) return direct;
    return selectProperty('kubernetes', ref.key, utf8(JSON.stringify(asText(data))), ref.property);
  }

  /** The Secret's data; with `property`, the JSON object held in that key. */
  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    const secret = await this.read(ref.key);
    if (ref.metadataPolicy === 'Fetch') {
      return jsonObjectToMap('kubernetes', ref.key, utf8(JSON.stringify(metadataOf(secret))));
    }
    const data = dataOf(secret);
    if (!ref.property) return data;
    const value = data[ref.property];
    if (value === undefined) {
      throw new BackendError(
        'InvalidInput',
        'kubernetes',
        `property "${ref.property}" does not exist in secret "${ref.key}"`,
      );
    }
    return jsonObjectToMap('kubernetes', `${ref.key}/${ref.property}`, value);
  }

  /** `tags` select by labels, `name.regexp` and `path` (a name prefix) filter the listed names. */
  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    requireCriteria('kubernetes', find);
    const matches = nameMatcher('kubernetes', find.name?.regexp);
    const labelSelector = Object.entries(find.tags ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await this.call('ListSecrets', { verb: 'list', kind: 'Secret' }, (api) =>
      api.listNamespacedSecret({ namespace: this.namespace, ...(labelSelector ? { labelSelector } : {}) }),
    );
    const found: SecretMap = {};
    for (const secret of list.items) {
      const name = secret.metadata?.name;
      if (!name || !matches(name) || (find.path && !name.startsWith(find.path))) continue;
      found[name] = utf8(JSON.stringify(asText(dataOf(secret))));
    }
    return found;
  }

  /**
   * ESO: PushSecret writes one key (`property`) of the remote Secret, creating it if needed. A
   * Secret Lockstep created carries PUSHED_BY_ANNOTATION; any other is never written to.
   */
  checkPushMetadata(metadata: unknown): void {
    checkKubernetesPushMetadata(metadata, PUSHED_BY_ANNOTATION);
  }

  async pushSecret(value: Uint8Array, ref: PushRef, opts: PushOptions = {}): Promise<void> {
    this.checkPushMetadata(opts.metadata);
    const property = requireProperty(ref);
    const secret = await this.readIfExists(ref.remoteKey);
    const encoded = Buffer.from(value).toString('base64');
    const mark = { [PUSHED_BY_ANNOTATION]: PUSHED_BY_VALUE };
    if (!secret) {
      const { labels, annotations } = pushedSecretMetadata(undefined, opts.metadata, mark);
      await this.call('CreateSecret', { verb: 'create', kind: 'Secret', name: ref.remoteKey }, (api) =>
        api.createNamespacedSecret({
          namespace: this.namespace,
          body: {
            metadata: {
              name: ref.remoteKey,
              namespace: this.namespace,
              ...(Object.keys(labels).length > 0 ? { labels } : {}),
              annotations,
            },
            type: 'Opaque',
            data: { [property]: encoded },
          },
        }),
      );
      return;
    }
    if (!pushedByLockstep(secret)) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `Secret "${ref.remoteKey}" in namespace "${this.namespace}" exists and was not created by Lockstep (annotation ${PUSHED_BY_ANNOTATION}=${PUSHED_BY_VALUE} missing): refusing to overwrite it`,
      );
    }
    const before = metadataOf(secret);
    const after = pushedSecretMetadata(before, opts.metadata, mark);
    const sameMetadata = JSON.stringify(sorted(before)) === JSON.stringify(sorted(after));
    if (secret.data?.[property] === encoded && sameMetadata) return;
    secret.data = { ...secret.data, [property]: encoded };
    secret.metadata = { ...secret.metadata, labels: after.labels, annotations: after.annotations };
    await this.replace(ref.remoteKey, secret);
  }

  /** Removes the pushed key; the Secret goes when it was its last key (ESO). A Secret Lockstep did not create stays. */
  async deleteSecret(ref: PushRef): Promise<void> {
    const property = requireProperty(ref);
    const secret = await this.readIfExists(ref.remoteKey);
    if (!secret?.data || !(property in secret.data) || !pushedByLockstep(secret)) return;
    if (Object.keys(secret.data).length > 1) {
      const { [property]: _removed, ...rest } = secret.data;
      secret.data = rest;
      await this.replace(ref.remoteKey, secret);
      return;
    }
    try {
      await this.call('DeleteSecret', { verb: 'delete', kind: 'Secret', name: ref.remoteKey }, (api) =>
        api.deleteNamespacedSecret({
          name: ref.remoteKey,
          namespace: this.namespace,
          // Only the Secret just read: not one recreated under the same name since.
          body: { preconditions: { uid: secret.metadata?.uid } },
        }),
      );
    } catch (err) {
      if (!(err instanceof BackendError && err.errorClass === 'NotFound')) throw err;
    }
  }

  /** The store is usable when it can log in and list (or at least read) Secrets of the remote namespace. */
  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.call('ListSecrets', { verb: 'list', kind: 'Secret' }, (api) =>
        api.listNamespacedSecret({ namespace: this.namespace, limit: 1 }),
      );
      return { ok: true };
    } catch (err) {
      return {
        ok: false,
        message: kubeError(err, { verb: 'list', kind: 'Secret', namespace: this.namespace }).message,
      };
    }
  }

  async close(): Promise<void> {
    this.state = undefined;
  }

  private read(name: string): Promise<V1Secret> {
    return this.call('GetSecret', { verb: 'read', kind: 'Secret', name }, (api) =>
      api.readNamespacedSecret({ name, namespace: this.namespace }),
    );
  }

  private async readIfExists(name: string): Promise<V1Secret | undefined> {
    try {
      return await this.read(name);
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  /** A replace carries the resourceVersion read before: a concurrent change answers Conflict. */
  private async replace(name: string, secret: V1Secret): Promise<void> {
    await this.call('UpdateSecret', { verb: 'update', kind: 'Secret', name }, (api) =>
      api.replaceNamespacedSecret({ name, namespace: this.namespace, body: secret }),
    );
  }

  private async call<T>(
    operation: string,
    about: Omit<KubeCallTarget, 'namespace'>,
    fn: (api: CoreV1Api) => Promise<T>,
  ): Promise<T> {
    const api = await this.api();
    return observed(
      this.opts.onCall,
      operation,
      () => fn(api),
      (err) => kubeError(err, { ...about, namespace: this.namespace }),
    );
  }

  /** The API client, rebuilt when its credentials are due for refresh; a failed login is not kept. */
  private api(): Promise<CoreV1Api> {
    const state = this.state;
    if (state && this.opts.now() < state.refreshAt) return state.api;
    // The callbacks run after `next` is assigned (a promise settles on a later turn).
    const next: ApiState = {
      refreshAt: Number.POSITIVE_INFINITY,
      api: buildRemoteConfig(this.spec, this.ctx, this.opts.local, this.opts.now()).then(
        (config) => {
          next.refreshAt = config.refreshAt;
          return config.kubeConfig.makeApiClient(CoreV1Api);
        },
        (err) => {
          if (this.state === next) this.state = undefined;
          throw err;
        },
      ),
    };
    this.state = next;
    return next.api;
  }
}

interface ApiState {
  api: Promise<CoreV1Api>;
  /** Infinity while the login is in flight, so concurrent callers share it. */
  refreshAt: number;
}

function pushedByLockstep(secret: V1Secret): boolean {
  return secret.metadata?.annotations?.[PUSHED_BY_ANNOTATION] === PUSHED_BY_VALUE;
}

function requireProperty(ref: PushRef): string {
  if (!ref.property) {
    throw new BackendError(
      'InvalidInput',
      'kubernetes',
      `pushing to the kubernetes provider needs remoteRef.property: the key of Secret "${ref.remoteKey}" to write`,
    );
  }
  return ref.property;
}

function dataOf(secret: V1Secret): SecretMap {
  const data: SecretMap = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64');
  return data;
}

/** Keys sorted, as Go's json.Marshal writes a map: the same Secret always reads the same. */
function asText(data: SecretMap): Record<string, string> {
  return Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((k) => [k, Buffer.from(data[k] as Uint8Array).toString('utf8')]),
  );
}

/** Key order must not make two equal label sets differ. */
function sorted(meta: { labels: Record<string, string>; annotations: Record<string, string> }) {
  const sort = (m: Record<string, string>) =>
    Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { labels: sort(meta.labels), annotations: sort(meta.annotations) };
}

function metadataOf(secret: V1Secret): { labels: Record<string, string>; annotations: Record<string, string> } {
  return { labels: secret.metadata?.labels ?? {}, annotations: secret.metadata?.annotations ?? {} };
}
