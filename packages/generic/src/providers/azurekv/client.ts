// The Azure Key Vault calls of one store. Key Vault has no batch read, so each remote key is
// one GET (the pipeline's coalescing client merges equal reads); find lists the secrets'
// properties (tags included) and reads the matches a few at a time.

import type { TokenCredential } from '@azure/identity';
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
} from '@lockstep/core';
import { type CallObserver, observed } from '../call-observer.ts';
import {
  deleteProperty,
  jsonObjectToMap,
  lookupProperty,
  parseObjectForPush,
  selectProperty,
  setProperty,
  tryUtf8,
  utf8,
} from '../json-property.ts';
import { nameMatcher, requireCriteria } from '../name-matcher.ts';
import { classifyAzureError } from './azure-errors.ts';
import type { KeyVaultApi, SecretObject } from './key-vault-api.ts';
import { allMetadata, metadataMap, metadataValue, type ObjectRef, parseObjectRef } from './object-ref.ts';

/** Secrets created by PushSecret carry this tag; only those are overwritten or deleted. */
export const MANAGED_BY_TAG = { key: 'managed-by', value: 'lockstep' } as const;

/** Reads a find makes at once: enough to be quick, few enough to stay under Key Vault's limits. */
const FIND_CONCURRENCY = 8;

const PUSH_METADATA_FIELDS = { expirationDate: 'string', contentType: 'string', tags: 'stringMap' } as const;

export interface AzureKeyVaultClientArgs {
  api: KeyVaultApi;
  vaultUrl: string;
  credential: TokenCredential;
  /** `<resource>/.default`: the token `validate` asks for. */
  scope: string;
  onCall?: CallObserver;
}

export class AzureKeyVaultClient implements SecretsClient {
  private readonly api: KeyVaultApi;
  private readonly vaultUrl: string;
  private readonly credential: TokenCredential;
  private readonly scope: string;
  private readonly onCall: CallObserver | undefined;

  constructor(args: AzureKeyVaultClientArgs) {
    this.api = args.api;
    this.vaultUrl = args.vaultUrl;
    this.credential = args.credential;
    this.scope = args.scope;
    this.onCall = args.onCall;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const object = parseObjectRef(ref.key);
    if (ref.metadataPolicy === 'Fetch') {
      return metadataValue(allMetadata(await this.readObject(object, ref.version)), ref.property, ref.key);
    }
    switch (object.type) {
      case 'secret': {
        const payload = utf8((await this.readSecret(object.name, ref.version)).value ?? '');
        return ref.property ? selectProperty('azurekv', ref.key, payload, ref.property) : payload;
      }
      case 'key': {
        const { jwk } = await this.call('GetKey', object, () => this.api.getKey(object.name, ref.version));
        const payload = utf8(JSON.stringify(jwk));
        return ref.property ? selectProperty('azurekv', ref.key, payload, ref.property) : payload;
      }
      case 'cert': {
        if (ref.property) {
          throw invalid(`remoteRef.property does not apply to certificate "${ref.key}": remove it`);
        }
        const { cer } = await this.call('GetCertificate', object, () =>
          this.api.getCertificate(object.name, ref.version),
        );
        return cer ?? new Uint8Array();
      }
    }
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    const object = parseObjectRef(ref.key);
    if (object.type !== 'secret') {
      throw invalid(
        `dataFrom.extract reads secrets only: "${ref.key}" is a ${object.type === 'key' ? 'key' : 'certificate'}; use data[] with remoteRef.key for it`,
      );
    }
    if (ref.metadataPolicy === 'Fetch') {
      const secret = await this.readSecret(object.name, ref.version);
      return metadataMap(object.name, allMetadata(secret), ref.property, ref.key);
    }
    return jsonObjectToMap('azurekv', ref.key, await this.getSecret(ref));
  }

  /** ESO's find: enabled secrets whose name matches `name.regexp` and that carry every tag of `tags`. */
  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    if (find.path) {
      throw invalid('dataFrom.find.path is not supported by Azure Key Vault (names have no path): use name.regexp');
    }
    requireCriteria('azurekv', find);
    const matches = nameMatcher('azurekv', find.name?.regexp);
    const tags = Object.entries(find.tags ?? {});
    const names = await this.call('GetSecrets', undefined, async () => {
      const found: string[] = [];
      for await (const secret of this.api.listSecrets()) {
        if (!secret.enabled || !matches(secret.name)) continue;
        if (tags.every(([k, v]) => secret.tags[k] === v)) found.push(secret.name);
      }
      return found;
    });
    const data: SecretMap = {};
    for (let i = 0; i < names.length; i += FIND_CONCURRENCY) {
      const chunk = names.slice(i, i + FIND_CONCURRENCY);
      const values = await Promise.allSettled(chunk.map((name) => this.readSecret(name)));
      values.forEach((outcome, j) => {
        const name = chunk[j] as string;
        if (outcome.status === 'fulfilled') {
          if (outcome.value.value !== undefined) data[name] = utf8(outcome.value.value);
        } else if (!(outcome.reason instanceof BackendError && outcome.reason.errorClass === 'NotFound')) {
          // A secret deleted between the list and its read is simply gone; anything else fails the find.
          throw outcome.reason;
        }
      });
    }
    return data;
  }

  checkPushMetadata(metadata: unknown): void {
    const parsed = parsePushMetadata(metadata, 'azurekv', PUSH_METADATA_FIELDS);
    if (parsed?.tags && Object.hasOwn(parsed.tags, MANAGED_BY_TAG.key)) {
      throw new SpecProblem(
        'InvalidSpec',
        `spec.data[].metadata.spec.tags must not set "${MANAGED_BY_TAG.key}": Lockstep sets it on what it pushes`,
      );
    }
    if (parsed?.expirationDate !== undefined && expiration(parsed.expirationDate) === undefined) {
      throw new SpecProblem(
        'InvalidSpec',
        `spec.data[].metadata.spec.expirationDate "${parsed.expirationDate}" must be RFC 3339, like 2030-12-31T23:59:59Z`,
      );
    }
  }

  /** PushSecret into a Key Vault secret; keys and certificates are not pushed (yet). */
  async pushSecret(value: Uint8Array, ref: PushRef, opts: PushOptions = {}): Promise<void> {
    this.checkPushMetadata(opts.metadata);
    const meta = parsePushMetadata(opts.metadata, 'azurekv', PUSH_METADATA_FIELDS) ?? {};
    const object = pushTarget(ref.remoteKey);
    const current = await this.readForPush(object.name);
    if (current && current.tags[MANAGED_BY_TAG.key] !== MANAGED_BY_TAG.value) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `Azure Key Vault secret "${object.name}" already exists and was not created by Lockstep (no tag ${MANAGED_BY_TAG.key}=${MANAGED_BY_TAG.value}); refusing to overwrite it`,
      );
    }
    const text = tryUtf8(value) ?? Buffer.from(value).toString('base64');
    let next = text;
    if (ref.property) {
      if (
        current?.value !== undefined &&
        lookupProperty(current.value, ref.property) === text &&
        sameMeta(current, meta)
      ) {
        return;
      }
      next = JSON.stringify(
        setProperty(parseObjectForPush('azurekv', object.name, current?.value), ref.property, text),
      );
    }
    if (current && current.value === next && sameMeta(current, meta)) return;
    const expiresOn = meta.expirationDate !== undefined ? expiration(meta.expirationDate) : undefined;
    const contentType = meta.contentType ?? current?.contentType;
    await this.call('SetSecret', object, () =>
      this.api.setSecret(object.name, {
        value: next,
        tags: { ...(meta.tags ?? {}), [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value },
        ...(contentType ? { contentType } : {}),
        ...(expiresOn ? { expiresOn } : {}),
      }),
    );
  }

  async deleteSecret(ref: PushRef): Promise<void> {
    const object = pushTarget(ref.remoteKey);
    const current = await this.readForPush(object.name);
    if (!current || current.tags[MANAGED_BY_TAG.key] !== MANAGED_BY_TAG.value) return;
    if (ref.property) {
      const doc = parseObjectForPush('azurekv', object.name, current.value);
      if (!deleteProperty(doc, ref.property)) return;
      if (Object.keys(doc).length > 0) {
        await this.call('SetSecret', object, () =>
          this.api.setSecret(object.name, {
            value: JSON.stringify(doc),
            tags: current.tags,
            ...(current.contentType ? { contentType: current.contentType } : {}),
            ...(current.attributes.expiresOn ? { expiresOn: current.attributes.expiresOn } : {}),
          }),
        );
        return;
      }
    }
    await this.call('DeleteSecret', object, () => this.api.deleteSecret(object.name));
  }

  /** A store is usable when its identity can log in (vault permissions show on the first read). */
  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.credential.getToken(this.scope);
      return { ok: true };
    } catch (err) {
      return { ok: false, message: classifyAzureError(err, `the store's Azure identity`).message };
    }
  }

  async close(): Promise<void> {}

  private readSecret(name: string, version?: string): Promise<SecretObject> {
    return this.call('GetSecret', { type: 'secret', name }, () => this.api.getSecret(name, version));
  }

  private readObject(object: ObjectRef, version: string | undefined) {
    switch (object.type) {
      case 'secret':
        return this.readSecret(object.name, version);
      case 'key':
        return this.call('GetKey', object, () => this.api.getKey(object.name, version));
      case 'cert':
        return this.call('GetCertificate', object, () => this.api.getCertificate(object.name, version));
    }
  }

  private async readForPush(name: string): Promise<SecretObject | undefined> {
    try {
      return await this.readSecret(name);
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  private call<T>(operation: string, object: ObjectRef | undefined, fn: () => Promise<T>): Promise<T> {
    const about = object
      ? `${object.type === 'cert' ? 'certificate' : object.type} "${object.name}" in ${this.vaultUrl}`
      : `the secret list of ${this.vaultUrl}`;
    return observed(this.onCall, operation, fn, (err) => classifyAzureError(err, about));
  }
}

function pushTarget(remoteKey: string): ObjectRef {
  const object = parseObjectRef(remoteKey);
  if (object.type !== 'secret') {
    throw invalid(
      `PushSecret remoteKey "${remoteKey}": Lockstep pushes Azure Key Vault secrets only; pushing ${object.type === 'key' ? 'keys' : 'certificates'} is not supported yet`,
    );
  }
  return object;
}

/** Tags and content type already what the metadata asks (expiry is compared only when asked). */
function sameMeta(
  current: SecretObject,
  meta: { tags?: Record<string, string>; contentType?: string; expirationDate?: string },
): boolean {
  const wanted = { ...(meta.tags ?? {}), [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value };
  const have = current.tags;
  const sameTags =
    Object.keys(wanted).length === Object.keys(have).length && Object.entries(wanted).every(([k, v]) => have[k] === v);
  const sameType = meta.contentType === undefined || meta.contentType === current.contentType;
  const expiresOn = meta.expirationDate !== undefined ? expiration(meta.expirationDate) : undefined;
  const sameExpiry = expiresOn === undefined || expiresOn.getTime() === current.attributes.expiresOn?.getTime();
  return sameTags && sameType && sameExpiry;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function expiration(text: string): Date | undefined {
  if (!RFC3339.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at);
}

function invalid(message: string): BackendError {
  return new BackendError('InvalidInput', 'azurekv', message);
}
