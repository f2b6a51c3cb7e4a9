// The AWS Systems Manager Parameter Store calls of one store (`service: ParameterStore`), as
// ESO's parameterstore provider makes them: every value is read WithDecryption (SecureString
// comes out in clear), `version` is appended as `name:N` or `name:label`, and PushSecret
// marks what it creates with a tag. Current-value reads go through the batch reader
// (GetParameters, up to 10 names a call); reads pinned to a version or label go single
// (GetParameter), because GetParameters answers a selector without saying which one it was.

import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  type Parameter,
  type ParameterStringFilter,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  BackendError,
  type FindRef,
  type PushRef,
  type RemoteRef,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
} from '@lockstep/core';
import type { AwsProvider as AwsProviderSpec } from '../../api/provider-aws.ts';
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
import { type AwsService, classifyAwsError, eachAbout, isAccessDenied } from './aws-errors.ts';
import { BatchReader } from './batch-reader.ts';
import { MANAGED_BY_TAG } from './client.ts';
import type { CredentialProvider } from './credentials.ts';
import { foundValues } from './found-values.ts';

const PARAMETER_STORE: AwsService = { label: 'AWS Parameter Store' };
/** AWS accepts at most 10 names in GetParameters' `Names`. */
export const MAX_GET_PARAMETERS = 10;
/** The largest pages AWS serves: GetParametersByPath 10, DescribeParameters 50. */
const BY_PATH_PAGE = 10;
const DESCRIBE_PAGE = 50;

export interface ParameterStoreClientOptions {
  /** Reads asked within this window share one GetParameters call. */
  batchWindowMs: number;
  onCall?: CallObserver;
}

interface ParameterValue {
  name: string;
  value: string;
}

export class AwsParameterStoreClient implements SecretsClient {
  private readonly ssm: SSMClient;
  private readonly stsClients: STSClient[];
  private readonly credentials: CredentialProvider | undefined;
  private readonly spec: AwsProviderSpec;
  private readonly opts: ParameterStoreClientOptions;
  private readonly batch: BatchReader<ParameterValue>;
  /** Set once AWS denied GetParameters itself; current reads then go single. */
  private batchDenied = false;
  /** Set once AWS denied GetParametersByPath; finds by name then list with DescribeParameters, as ESO. */
  private byPathDenied = false;

  constructor(args: {
    ssm: SSMClient;
    stsClients: STSClient[];
    credentials: CredentialProvider | undefined;
    spec: AwsProviderSpec;
    options: ParameterStoreClientOptions;
  }) {
    this.ssm = args.ssm;
    this.stsClients = args.stsClients;
    this.credentials = args.credentials;
    this.spec = args.spec;
    this.opts = args.options;
    this.batch = new BatchReader({
      windowMs: this.opts.batchWindowMs,
      maxBatch: MAX_GET_PARAMETERS,
      operation: 'GetParameters',
      fetch: (names) => this.batchGet(names),
    });
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const payload = await this.read(ref);
    return ref.property ? selectProperty('aws', ref.key, payload, ref.property) : payload;
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    return jsonObjectToMap('aws', ref.key, await this.getSecret(ref));
  }

  /**
   * ESO's find. Without tags, GetParametersByPath (recursive, decrypted) lists `path` (default
   * `/`) with the values in the same answer, and `name.regexp` filters the names. With tags,
   * DescribeParameters filters by `tag:<key>` Equals and by path, and the values come from
   * batched GetParameters. Unlike ESO, which uses either the name or the tags, every criterion
   * given must hold.
   */
  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    requireCriteria('aws', find);
    const matches = nameMatcher('aws', find.name?.regexp);
    const path = this.findPath(find.path);
    const tags = Object.entries(find.tags ?? {});
    if (tags.length === 0 && !this.byPathDenied) {
      try {
        return await this.findByPath(path, matches);
      } catch (err) {
        // A policy may grant DescribeParameters and GetParameter* without GetParametersByPath (ESO's fallback).
        if (!isAccessDenied(err)) throw err;
        this.byPathDenied = true;
      }
    }
    const names = (await this.describe(path, tags)).filter(matches);
    return foundValues(
      names,
      (name) => this.batch.read(name),
      (value) => utf8(value.value),
    );
  }

  async pushSecret(value: Uint8Array, ref: PushRef): Promise<void> {
    const name = this.name(ref.remoteKey);
    const current = await this.readForPush(name);
    let next: string;
    if (ref.property) {
      const text = tryUtf8(value) ?? Buffer.from(value).toString('base64');
      if (current && lookupProperty(current.value, ref.property) === text) return;
      next = JSON.stringify(setProperty(parseObjectForPush('aws', name, current?.value), ref.property, text));
    } else {
      const text = tryUtf8(value);
      if (text === undefined) {
        throw new BackendError(
          'InvalidInput',
          'aws',
          `parameter "${name}": Parameter Store holds text only and this value is binary: push it with a template that encodes it (b64enc)`,
        );
      }
      if (current?.value === text) return;
      next = text;
    }

    if (!current) {
      // Overwrite false: a parameter created meanwhile by someone else is a conflict, never taken over.
      await this.call('PutParameter', this.about(name), () =>
        this.ssm.send(
          new PutParameterCommand({
            Name: name,
            Value: next,
            Type: 'String',
            Overwrite: false,
            Tags: [{ ...MANAGED_BY_TAG }],
          }),
        ),
      );
      return;
    }
    if (!(await this.isManaged(name))) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `parameter "${name}" already exists and was not created by Lockstep (no tag managed-by=lockstep); refusing to overwrite it`,
      );
    }
    // No Type: an existing SecureString stays one (AWS keeps the type of an overwritten parameter).
    await this.call('PutParameter', this.about(name), () =>
      this.ssm.send(new PutParameterCommand({ Name: name, Value: next, Overwrite: true })),
    );
  }

  async deleteSecret(ref: PushRef): Promise<void> {
    const name = this.name(ref.remoteKey);
    const current = await this.readForPush(name);
    if (!current || !(await this.isManaged(name))) return;
    if (ref.property) {
      const doc = parseObjectForPush('aws', name, current.value);
      if (!deleteProperty(doc, ref.property)) return;
      if (Object.keys(doc).length > 0) {
        await this.call('PutParameter', this.about(name), () =>
          this.ssm.send(new PutParameterCommand({ Name: name, Value: JSON.stringify(doc), Overwrite: true })),
        );
        return;
      }
    }
    await this.call('DeleteParameter', this.about(name), () =>
      this.ssm.send(new DeleteParameterCommand({ Name: name })),
    );
  }

  /** A store is usable when its credentials resolve (and any role can be assumed), as in ESO. */
  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      if (this.credentials) await this.credentials();
      else await this.ssm.config.credentials();
      return { ok: true };
    } catch (err) {
      return { ok: false, message: classifyAwsError(err, "the store's credentials", PARAMETER_STORE).message };
    }
  }

  async close(): Promise<void> {
    this.batch.flush();
    this.ssm.destroy();
    for (const sts of this.stsClients) sts.destroy();
  }

  /** What a message says a call was about; the region helps whoever reads "not found". */
  private about(name: string): string {
    return `parameter "${name}" in region ${this.spec.region}`;
  }

  /** `spec.provider.aws.prefix` is prepended to every remote key (ESO). */
  private name(key: string): string {
    return (this.spec.prefix ?? '') + key;
  }

  /**
   * The hierarchy a find lists: the prefix and `path` (default `/`), without a trailing slash.
   * GetParametersByPath and the Path filter only take hierarchies, which start with `/`.
   */
  private findPath(path: string | undefined): string {
    const full = this.name(path ?? '') || '/';
    if (!full.startsWith('/')) {
      throw new BackendError(
        'InvalidInput',
        'aws',
        `find.path "${full}" is not a parameter hierarchy: Parameter Store paths start with "/" (e.g. /app/)`,
      );
    }
    return full.length > 1 ? full.replace(/\/+$/, '') : full;
  }

  private async read(ref: RemoteRef): Promise<Uint8Array> {
    const name = this.name(ref.key);
    if (ref.metadataPolicy === 'Fetch') return this.readTags(name);
    const value =
      ref.version === undefined || ref.version === ''
        ? await this.batch.read(name)
        : await this.getOne(`${name}:${ref.version}`);
    return utf8(value.value);
  }

  private async getOne(name: string): Promise<ParameterValue> {
    const out = await this.call('GetParameter', this.about(name), () =>
      this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })),
    );
    const value = toValue(name, out.Parameter);
    if (value instanceof BackendError) throw value;
    return value;
  }

  /** metadataPolicy Fetch: the parameter's tags as a JSON object, as ESO does. */
  private async readTags(name: string): Promise<Uint8Array> {
    const tags: Record<string, string> = {};
    for (const tag of await this.tagsOf(name)) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
    return utf8(JSON.stringify(tags));
  }

  private async tagsOf(name: string) {
    const out = await this.call('ListTagsForResource', this.about(name), () =>
      this.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name })),
    );
    return out.TagList ?? [];
  }

  private async findByPath(path: string, matches: (name: string) => boolean): Promise<SecretMap> {
    const data: SecretMap = {};
    let nextToken: string | undefined;
    do {
      const page = await this.call('GetParametersByPath', `path "${path}" in region ${this.spec.region}`, () =>
        this.ssm.send(
          new GetParametersByPathCommand({
            Path: path,
            Recursive: true,
            WithDecryption: true,
            MaxResults: BY_PATH_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name && parameter.Value !== undefined && matches(parameter.Name)) {
          data[parameter.Name] = utf8(parameter.Value);
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return data;
  }

  /** Names of the parameters under `path` carrying every tag (DescribeParameters filters). */
  private async describe(path: string, tags: [string, string][]): Promise<string[]> {
    const filters: ParameterStringFilter[] = tags.map(([key, value]) => ({
      Key: `tag:${key}`,
      Option: 'Equals',
      Values: [value],
    }));
    if (path !== '/') filters.push({ Key: 'Path', Option: 'Recursive', Values: [path] });
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('DescribeParameters', `path "${path}" in region ${this.spec.region}`, () =>
        this.ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: filters,
            MaxResults: DESCRIBE_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const parameter of page.Parameters ?? []) if (parameter.Name) names.push(parameter.Name);
      nextToken = page.NextToken;
    } while (nextToken);
    return names;
  }

  private async batchGet(names: string[]): Promise<Map<string, ParameterValue | BackendError>> {
    const answers = new Map<string, ParameterValue | BackendError>();
    if (!this.batchDenied) {
      try {
        await this.batchInto(names, answers);
      } catch (err) {
        // A policy granting ssm:GetParameter only: read one by one from then on.
        if (!isAccessDenied(err)) return eachAbout(names, err, (name) => this.about(name), PARAMETER_STORE);
        this.batchDenied = true;
      }
    }
    // Names AWS answered under another spelling (an ARN), or every name when batching is denied.
    const rest = names.filter((name) => !answers.has(name));
    const singles = await Promise.all(rest.map((name) => this.getOne(name).catch((err: BackendError) => err)));
    rest.forEach((name, i) => {
      answers.set(name, singles[i] as ParameterValue | BackendError);
    });
    return answers;
  }

  private async batchInto(names: string[], answers: Map<string, ParameterValue | BackendError>): Promise<void> {
    const out = await this.call('GetParameters', `${names.length} parameters in region ${this.spec.region}`, () =>
      this.ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true })),
    );
    for (const parameter of out.Parameters ?? []) {
      // Names may be names or ARNs; answer whichever was asked.
      for (const name of names) {
        if (name === parameter.Name || name === parameter.ARN) answers.set(name, toValue(name, parameter));
      }
    }
    for (const name of out.InvalidParameters ?? []) {
      answers.set(name, classifyAwsError({ name: 'ParameterNotFound' }, this.about(name), PARAMETER_STORE));
    }
  }

  private async readForPush(name: string): Promise<ParameterValue | undefined> {
    try {
      return await this.getOne(name);
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  private async isManaged(name: string): Promise<boolean> {
    return (await this.tagsOf(name)).some((t) => t.Key === MANAGED_BY_TAG.Key && t.Value === MANAGED_BY_TAG.Value);
  }

  private call<T>(operation: string, about: string, fn: () => Promise<T>): Promise<T> {
    return observed(this.opts.onCall, operation, fn, (err) => classifyAwsError(err, about, PARAMETER_STORE));
  }
}

function toValue(name: string, parameter: Parameter | undefined): ParameterValue | BackendError {
  if (parameter?.Value === undefined)
    return new BackendError('InvalidInput', 'aws', `parameter "${name}" has no value`);
  return { name: parameter.Name ?? name, value: parameter.Value };
}
