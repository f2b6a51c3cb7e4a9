// The `vault` provider's SecretsClient: KV v1/v2 reads, finds and pushes with ESO's
// semantics, every call made with the store identity's managed token. Pushes mark ownership
// in KV v2 custom_metadata; KV v1 has none (see #pushV1).

import {
  BackendError,
  type FindRef,
  type PushOptions,
  type PushRef,
  parsePushMetadata,
  type RemoteRef,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
  userRegexPredicate,
} from '@lockstep/core';
import type { ManagedToken } from '../auth/token-manager.ts';
import type { VaultClient } from '../client/vault-client.ts';
import { VaultVersionGoneError } from '../client/vault-error.ts';
import { joinPath, pathSegments } from '../client/vault-path.ts';
import { selectProperty, valueBytes } from './property-path.ts';

/** custom_metadata a pushed secret carries; a secret without it is never overwritten or deleted. */
export const MANAGED_BY_KEY = 'managed-by';
export const MANAGED_BY_VALUE = 'lockstep';

/** ESO's Vault PushSecretMetadata spec: custom_metadata to set, merged into (or replacing) the remote's. */
const PUSH_METADATA_FIELDS = { customMetadata: 'stringMap', mergePolicy: ['Merge', 'Replace'] } as const;

// A find walks folders recursively; this bounds a walk over a huge or cyclic-looking tree.
const MAX_FIND_RESULTS = 10_000;

export interface KvClientOptions {
  client: VaultClient;
  token: ManagedToken;
  /** The KV mount (`spec.provider.vault.path`); undefined: the first segment of each key. */
  mount: string | undefined;
  version: 1 | 2;
}

type Json = Record<string, unknown>;

export class VaultKvClient implements SecretsClient {
  readonly #client: VaultClient;
  readonly #token: ManagedToken;
  readonly #mount: string | undefined;
  readonly #version: 1 | 2;
  #closed = false;

  constructor(opts: KvClientOptions) {
    this.#client = opts.client;
    this.#token = opts.token;
    this.#mount = opts.mount ? joinPath(opts.mount) : undefined;
    this.#version = opts.version;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const data = await this.#readForRef(ref);
    // ESO: without a property, the whole secret as JSON.
    if (!ref.property) return Buffer.from(JSON.stringify(data), 'utf8');
    const value = selectProperty(data, ref.property);
    if (value === undefined) {
      throw new BackendError('NotFound', 'vault', `property "${ref.property}" not found in secret "${ref.key}"`);
    }
    return valueBytes(value);
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    let data: unknown = await this.#readForRef(ref);
    if (ref.property) {
      data = selectProperty(data as Json, ref.property);
      if (data === undefined) {
        throw new BackendError('NotFound', 'vault', `property "${ref.property}" not found in secret "${ref.key}"`);
      }
      if (typeof data === 'string') data = parseObject(data);
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw new BackendError(
        'InvalidInput',
        'vault',
        `secret "${ref.key}"${ref.property ? ` property "${ref.property}"` : ''} is not a JSON object: use data[] with a property instead of extract`,
      );
    }
    return toSecretMap(data as Json);
  }

  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    const mount = this.#requireMount('dataFrom.find');
    if (find.tags && this.#version === 1) {
      throw new BackendError('InvalidInput', 'vault', 'find.tags needs a KV v2 store (tags are v2 custom_metadata)');
    }
    // An unanchored RE2 (Go) pattern as in ESO, on the linear-time engine.
    const regexp = find.name?.regexp;
    const matches = regexp
      ? userRegexPredicate(
          regexp,
          (err) =>
            new BackendError('InvalidInput', 'vault', `find.name.regexp "${regexp}": ${err.message}`, { cause: err }),
        )
      : undefined;
    const names = await this.#listRecursive(mount, joinPath(find.path ?? ''));
    const out: SecretMap = {};
    for (const name of names) {
      if (matches && !matches(name)) continue;
      if (find.tags) {
        const meta = await this.#metadata(mount, name);
        const custom = (meta?.custom_metadata ?? {}) as Record<string, unknown>;
        if (!Object.entries(find.tags).every(([k, v]) => custom[k] === v)) continue;
      }
      let data: Json;
      try {
        data = await this.#readData(mount, name, undefined);
      } catch (err) {
        // Listed but its latest version deleted: ESO leaves it out.
        if (err instanceof VaultVersionGoneError) continue;
        throw err;
      }
      out[name] = Buffer.from(JSON.stringify(data), 'utf8');
    }
    return out;
  }

  checkPushMetadata(metadata: unknown): void {
    const parsed = parsePushMetadata(metadata, 'vault', PUSH_METADATA_FIELDS);
    if (parsed && this.#version === 1) {
      throw new SpecProblem(
        'InvalidSpec',
        'spec.data[].metadata (customMetadata) needs a KV v2 store: KV v1 keeps no metadata; remove it',
      );
    }
    if (parsed?.customMetadata && Object.hasOwn(parsed.customMetadata, MANAGED_BY_KEY)) {
      throw new SpecProblem(
        'InvalidSpec',
        `spec.data[].metadata.spec.customMetadata cannot set "${MANAGED_BY_KEY}": Lockstep's ownership mark is reserved`,
      );
    }
  }

  async pushSecret(value: Uint8Array, ref: PushRef, opts: PushOptions = {}): Promise<void> {
    this.checkPushMetadata(opts.metadata);
    const { mount, name } = this.#locate(ref.remoteKey, 'PushSecret');
    if (this.#version === 1) return this.#pushV1(mount, name, value, ref, opts);
    const meta = await this.#metadata(mount, name);
    if (meta && !isManaged(meta)) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `secret "${ref.remoteKey}" exists and is not managed by Lockstep (custom_metadata ${MANAGED_BY_KEY}=${MANAGED_BY_VALUE} missing): refusing to overwrite it`,
      );
    }
    const current = meta ? await this.#readData(mount, name, undefined).catch(goneAsEmpty) : {};
    const next = pushedData(current, value, ref);
    const remoteCustom = (meta?.custom_metadata ?? {}) as Json;
    const custom = desiredCustomMetadata(remoteCustom, opts.metadata);
    if (!meta || !sameJson(current, next)) {
      const cas = typeof meta?.current_version === 'number' ? meta.current_version : 0;
      await this.#use((token) =>
        this.#client.write(`${mount}/data/${name}`, { data: next, options: { cas } }, { token }),
      );
    }
    if (!meta || !sameJson(remoteCustom, custom)) {
      await this.#use((token) =>
        this.#client.write(`${mount}/metadata/${name}`, { custom_metadata: custom }, { token }),
      );
    }
  }

  async deleteSecret(ref: PushRef, opts: PushOptions = {}): Promise<void> {
    const { mount, name } = this.#locate(ref.remoteKey, 'PushSecret');
    if (this.#version === 1) return this.#deleteV1(mount, name, ref, opts);
    const meta = await this.#metadata(mount, name);
    // ESO: what Lockstep did not push, it does not delete.
    if (!meta || !isManaged(meta)) return;
    if (ref.property) {
      const current = await this.#readData(mount, name, undefined).catch(goneAsEmpty);
      if (!Object.hasOwn(current, ref.property)) return;
      const { [ref.property]: _removed, ...rest } = current;
      if (Object.keys(rest).length > 0) {
        const cas = typeof meta.current_version === 'number' ? meta.current_version : 0;
        await this.#use((token) =>
          this.#client.write(`${mount}/data/${name}`, { data: rest, options: { cas } }, { token }),
        );
        return;
      }
    }
    await this.#use((token) => this.#client.delete(`${mount}/metadata/${name}`, { token }));
  }

  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.#use((token) => this.#client.lookupSelf(token));
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#token.release();
  }

  // ---- internals -----------------------------------------------------------------------

  #use<T>(fn: (token: ManagedToken) => Promise<T>): Promise<T> {
    if (this.#closed) throw new BackendError('Unavailable', 'vault', 'the Vault client of this store was closed');
    return this.#token.use(() => fn(this.#token));
  }

  /**
   * KV v1 keeps no metadata, so no ownership mark can ride on the secret: a path is written
   * only when it is free, or when the pushing resource's status records it as its own.
   */
  async #pushV1(mount: string, name: string, value: Uint8Array, ref: PushRef, opts: PushOptions): Promise<void> {
    const current = await this.#readV1IfExists(mount, name);
    if (current && !opts.pushedBefore) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `secret "${ref.remoteKey}" exists in the KV v1 mount "${mount}", which cannot mark who wrote it, and this PushSecret did not create it: refusing to overwrite it`,
      );
    }
    const next = pushedData(current ?? {}, value, ref);
    if (current && sameJson(current, next)) return;
    await this.#use((token) => this.#client.write(`${mount}/${name}`, next, { token }));
  }

  async #deleteV1(mount: string, name: string, ref: PushRef, opts: PushOptions): Promise<void> {
    if (!opts.pushedBefore) return;
    const current = await this.#readV1IfExists(mount, name);
    if (!current) return;
    if (ref.property) {
      if (!Object.hasOwn(current, ref.property)) return;
      const { [ref.property]: _removed, ...rest } = current;
      if (Object.keys(rest).length > 0) {
        await this.#use((token) => this.#client.write(`${mount}/${name}`, rest, { token }));
        return;
      }
    }
    await this.#use((token) => this.#client.delete(`${mount}/${name}`, { token }));
  }

  async #readV1IfExists(mount: string, name: string): Promise<Json | undefined> {
    try {
      return await this.#readData(mount, name, undefined);
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  #requireMount(what: string): string {
    if (!this.#mount) {
      throw new BackendError(
        'InvalidInput',
        'vault',
        `${what} needs spec.provider.vault.path (the KV mount) to be set`,
      );
    }
    return this.#mount;
  }

  /**
   * ESO's buildPath: a key may repeat the mount (`secret/app`) and, on v2, the `data/` segment
   * (`secret/data/app`); both are stripped. Without a store path the first segment is the mount.
   */
  #locate(key: string, what: string): { mount: string; name: string } {
    let segments = pathSegments(key);
    let mount = this.#mount;
    if (mount) {
      const mountSegments = pathSegments(mount);
      if (mountSegments.every((s, i) => segments[i] === s) && segments.length > mountSegments.length) {
        segments = segments.slice(mountSegments.length);
        if (this.#version === 2 && segments[0] === 'data' && segments.length > 1) segments = segments.slice(1);
      }
    } else {
      mount = segments[0];
      segments = segments.slice(1);
      if (this.#version === 2 && segments[0] === 'data' && segments.length > 1) segments = segments.slice(1);
    }
    if (!mount || segments.length === 0) {
      throw new BackendError('InvalidInput', 'vault', `${what} key "${key}" does not name a secret under a KV mount`);
    }
    return { mount, name: segments.join('/') };
  }

  async #readForRef(ref: RemoteRef): Promise<Json> {
    const { mount, name } = this.#locate(ref.key, 'remoteRef');
    if (ref.metadataPolicy === 'Fetch') {
      if (this.#version === 1) {
        throw new BackendError('InvalidInput', 'vault', 'metadataPolicy Fetch needs a KV v2 store');
      }
      const meta = await this.#metadata(mount, name);
      if (!meta) throw new BackendError('NotFound', 'vault', `secret "${ref.key}" not found in mount "${mount}"`);
      return (meta.custom_metadata ?? {}) as Json;
    }
    return this.#readData(mount, name, ref.version);
  }

  async #readData(mount: string, name: string, version: string | undefined): Promise<Json> {
    if (this.#version === 1) {
      if (version)
        throw new BackendError(
          'InvalidInput',
          'vault',
          `remoteRef.version is not supported by a KV v1 store (secret "${name}")`,
        );
      const res = await this.#use((token) => this.#client.read<Json>(`${mount}/${name}`, { token }));
      return res.data ?? {};
    }
    if (version !== undefined && !/^\d+$/.test(version)) {
      throw new BackendError('InvalidInput', 'vault', `remoteRef.version "${version}" must be a KV v2 version number`);
    }
    const res = await this.#use((token) =>
      this.#client.read<{ data?: Json | null }>(`${mount}/data/${name}`, {
        token,
        ...(version !== undefined ? { query: { version } } : {}),
      }),
    );
    return res.data?.data ?? {};
  }

  /** KV v2 metadata, or undefined when the secret does not exist. */
  async #metadata(mount: string, name: string): Promise<Json | undefined> {
    try {
      const res = await this.#use((token) => this.#client.read<Json>(`${mount}/metadata/${name}`, { token }));
      return res.data;
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  /** Every secret name under `base` (relative to the mount), folders walked depth-first. */
  async #listRecursive(mount: string, base: string): Promise<string[]> {
    const prefix = this.#version === 2 ? `${mount}/metadata` : mount;
    const names: string[] = [];
    const folders = [base];
    while (folders.length > 0) {
      const folder = folders.pop() as string;
      const keys = await this.#use((token) => this.#client.list(joinPath(prefix, folder), { token }));
      for (const key of keys) {
        const full = folder ? `${folder}/${key}` : key;
        if (key.endsWith('/')) folders.push(full.slice(0, -1));
        else names.push(full);
        if (names.length > MAX_FIND_RESULTS) {
          throw new BackendError(
            'InvalidInput',
            'vault',
            `find matched more than ${MAX_FIND_RESULTS} secrets: narrow find.path`,
          );
        }
      }
    }
    return names.sort();
  }
}

function toSecretMap(data: Json): SecretMap {
  const out: SecretMap = {};
  for (const [k, v] of Object.entries(data)) out[k] = valueBytes(v);
  return out;
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The secret's data after pushing `value`: one property set, or the whole secret (a JSON object) replaced. */
function pushedData(current: Json, value: Uint8Array, ref: PushRef): Json {
  if (ref.property) return { ...current, [ref.property]: Buffer.from(value).toString('utf8') };
  const parsed = parseObject(Buffer.from(value).toString('utf8'));
  if (!parsed) {
    throw new BackendError(
      'InvalidInput',
      'vault',
      `pushing the whole secret "${ref.remoteKey}" needs a JSON object value: set remoteRef.property to push one value`,
    );
  }
  return parsed;
}

/**
 * The custom_metadata a pushed KV v2 secret gets (ESO): the entry's customMetadata merged into
 * what the remote holds (mergePolicy Merge, the default) or instead of it (Replace), always
 * with the ownership mark.
 */
function desiredCustomMetadata(remote: Json, metadata: unknown): Json {
  const parsed = parsePushMetadata(metadata, 'vault', PUSH_METADATA_FIELDS);
  const base = (parsed?.mergePolicy ?? 'Merge') === 'Merge' ? remote : {};
  return { ...base, ...parsed?.customMetadata, [MANAGED_BY_KEY]: MANAGED_BY_VALUE };
}

function isManaged(meta: Json): boolean {
  const custom = meta.custom_metadata as Record<string, unknown> | null | undefined;
  return custom?.[MANAGED_BY_KEY] === MANAGED_BY_VALUE;
}

function goneAsEmpty(err: unknown): Json {
  if (err instanceof VaultVersionGoneError) return {};
  throw err;
}

function sameJson(a: Json, b: Json): boolean {
  const norm = (o: Json) =>
    JSON.stringify(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  return norm(a) === norm(b);
}
