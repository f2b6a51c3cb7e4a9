// The AWS Secrets Manager calls of one store. Current-value reads go through the batch
// reader (BatchGetSecretValue, up to 20 ids per call); reads pinned to a version or stage
// go single (GetSecretValue), because BatchGetSecretValue only answers AWSCURRENT.

import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type Filter,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  BackendError,
  type Clock,
  type FindRef,
  type PushRef,
  type RemoteRef,
  realClock,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
  type UpcomingReads,
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
import { ReadAhead } from '../read-ahead.ts';
import { classifyAwsError, classifyBatchEntryError, eachAbout, isAccessDenied } from './aws-errors.ts';
import { BatchReader } from './batch-reader.ts';
import type { CredentialProvider } from './credentials.ts';
import { foundValues } from './found-values.ts';

/** Secrets created by PushSecret carry this tag; only those are overwritten or deleted. */
export const MANAGED_BY_TAG = { Key: 'managed-by', Value: 'lockstep' } as const;

/** AWS accepts at most 20 entries in BatchGetSecretValue's `SecretIdList`. */
const MAX_BATCH = 20;

interface SecretValue {
  name: string;
  arn?: string;
  versionId?: string;
  secretString?: string;
  secretBinary?: Uint8Array;
}

export interface AwsClientOptions {
  /** Reads asked within this window share one BatchGetSecretValue call. */
  batchWindowMs: number;
  /** ListSecrets page size (AWS allows 1..100). */
  listPageSize: number;
  onCall?: CallObserver;
  /** The reads queued reconciles will make through this client: fetched ahead in the same batches. */
  upcoming?: UpcomingReads;
  /** How long an answer fetched ahead is handed out; default 10 s (the coalescing window). */
  readAheadMaxAgeMs?: number;
  clock?: Pick<Clock, 'now'>;
}

export class AwsSecretsManagerClient implements SecretsClient {
  private readonly sm: SecretsManagerClient;
  private readonly stsClients: STSClient[];
  private readonly credentials: CredentialProvider | undefined;
  private readonly spec: AwsProviderSpec;
  private readonly opts: AwsClientOptions;
  private readonly batch: BatchReader<SecretValue>;
  private readonly ahead: ReadAhead<SecretValue> | undefined;
  /** Set once AWS denied BatchGetSecretValue itself; current reads then go single. */
  private batchDenied = false;

  constructor(args: {
    sm: SecretsManagerClient;
    stsClients: STSClient[];
    credentials: CredentialProvider | undefined;
    spec: AwsProviderSpec;
    options: AwsClientOptions;
  }) {
    this.sm = args.sm;
    this.stsClients = args.stsClients;
    this.credentials = args.credentials;
    this.spec = args.spec;
    this.opts = args.options;
    this.batch = new BatchReader({
      windowMs: this.opts.batchWindowMs,
      maxBatch: MAX_BATCH,
      operation: 'BatchGetSecretValue',
      fetch: (ids) => this.batchGet(ids),
    });
    const upcoming = this.opts.upcoming;
    if (upcoming) {
      this.ahead = new ReadAhead({
        batch: this.batch,
        upcoming: () => this.currentReads(upcoming),
        clock: this.opts.clock ?? realClock,
        maxAgeMs: this.opts.readAheadMaxAgeMs ?? 10_000,
      });
    }
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const payload = await this.read(ref);
    return ref.property ? selectProperty('aws', ref.key, payload, ref.property) : payload;
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    return jsonObjectToMap('aws', ref.key, await this.getSecret(ref));
  }

  /**
   * ESO's find: `path` is ListSecrets' `name` filter (a prefix), tags become `tag-key` and
   * `tag-value` filters (then checked pairwise, which the filters alone cannot express),
   * and `name.regexp` is matched on the listed names. Values come from batched reads.
   */
  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    requireCriteria('aws', find);
    const matches = nameMatcher('aws', find.name?.regexp);
    const filters: Filter[] = [];
    const path = this.name(find.path ?? '');
    if (path) filters.push({ Key: 'name', Values: [path] });
    const tags = Object.entries(find.tags ?? {});
    for (const [key, value] of tags) {
      filters.push({ Key: 'tag-key', Values: [key] }, { Key: 'tag-value', Values: [value] });
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListSecrets', 'the secret list', () =>
        this.sm.send(
          new ListSecretsCommand({
            Filters: filters,
            MaxResults: this.opts.listPageSize,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const secret of page.SecretList ?? []) {
        if (!secret.Name || !matches(secret.Name)) continue;
        const secretTags = secret.Tags ?? [];
        if (!tags.every(([k, v]) => secretTags.some((t) => t.Key === k && t.Value === v))) continue;
        names.push(secret.Name);
      }
      nextToken = page.NextToken;
    } while (nextToken);

    return foundValues(names, (name) => this.batch.read(name), payloadOf);
  }

  async pushSecret(value: Uint8Array, ref: PushRef): Promise<void> {
    const key = this.name(ref.remoteKey);
    const current = await this.readForPush(key);
    let next: { SecretString: string } | { SecretBinary: Uint8Array };
    if (ref.property) {
      const before = current ? textOf(current) : undefined;
      if (current && before === undefined) {
        throw new BackendError(
          'InvalidInput',
          'aws',
          `secret "${key}" holds binary data: a property cannot be pushed into it`,
        );
      }
      const text = tryUtf8(value) ?? Buffer.from(value).toString('base64');
      if (before !== undefined && lookupProperty(before, ref.property) === text) return;
      next = {
        SecretString: JSON.stringify(setProperty(parseObjectForPush('aws', key, before), ref.property, text)),
      };
    } else {
      const text = tryUtf8(value);
      // An existing binary secret stays binary; new values are strings unless they are not text.
      next = text === undefined || current?.secretBinary ? { SecretBinary: value } : { SecretString: text };
      const before = current ? payloadOf(current) : undefined;
      if (before && Buffer.from(before).equals(Buffer.from(value))) return;
    }

    if (!current) {
      await this.call('CreateSecret', `secret "${key}"`, () =>
        this.sm.send(new CreateSecretCommand({ Name: key, ...next, Tags: [{ ...MANAGED_BY_TAG }] })),
      );
      return;
    }
    if (!(await this.isManaged(key))) {
      throw new SpecProblem(
        'RemoteSecretNotOwned',
        `secret "${key}" already exists and was not created by Lockstep (no tag managed-by=lockstep); refusing to overwrite it`,
      );
    }
    await this.call('PutSecretValue', `secret "${key}"`, () =>
      this.sm.send(new PutSecretValueCommand({ SecretId: key, ...next })),
    );
  }

  async deleteSecret(ref: PushRef): Promise<void> {
    const key = this.name(ref.remoteKey);
    const current = await this.readForPush(key);
    if (!current || !(await this.isManaged(key))) return;
    if (ref.property) {
      const doc = parseObjectForPush('aws', key, textOf(current));
      if (!deleteProperty(doc, ref.property)) return;
      if (Object.keys(doc).length > 0) {
        await this.call('PutSecretValue', `secret "${key}"`, () =>
          this.sm.send(new PutSecretValueCommand({ SecretId: key, SecretString: JSON.stringify(doc) })),
        );
        return;
      }
    }
    const options = this.spec.secretsManager ?? {};
    await this.call('DeleteSecret', `secret "${key}"`, () =>
      this.sm.send(
        new DeleteSecretCommand({
          SecretId: key,
          ...(options.forceDeleteWithoutRecovery ? { ForceDeleteWithoutRecovery: true } : {}),
          ...(options.recoveryWindowInDays ? { RecoveryWindowInDays: options.recoveryWindowInDays } : {}),
        }),
      ),
    );
  }

  /** A store is usable when its credentials resolve (and any role can be assumed), as in ESO. */
  async validate(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      if (this.credentials) await this.credentials();
      else await this.sm.config.credentials();
      return { ok: true };
    } catch (err) {
      const classified = classifyAwsError(err, `the store's credentials`);
      return { ok: false, message: classified.message };
    }
  }

  async close(): Promise<void> {
    this.batch.flush();
    this.sm.destroy();
    for (const sts of this.stsClients) sts.destroy();
  }

  /** `spec.provider.aws.prefix` is prepended to every remote key (ESO). */
  private name(key: string): string {
    return (this.spec.prefix ?? '') + key;
  }

  private async read(ref: RemoteRef): Promise<Uint8Array> {
    let value: SecretValue;
    const key = this.name(ref.key);
    if (ref.metadataPolicy === 'Fetch') return this.readTags(key);
    if (ref.version === undefined || ref.version === '' || ref.version === 'AWSCURRENT') {
      value = await (this.ahead ?? this.batch).read(key);
    } else {
      value = await this.getOne(key, ref.version);
    }
    const payload = payloadOf(value);
    if (!payload) {
      throw new BackendError('InvalidInput', 'aws', `secret "${ref.key}" has neither a string nor a binary value`);
    }
    return payload;
  }

  /** The ids of upcoming reads that a batch can answer (the current version of a value). */
  private *currentReads(upcoming: UpcomingReads): Iterable<string> {
    for (const ref of upcoming.refs()) {
      if (ref.metadataPolicy === 'Fetch') continue;
      if (ref.version === undefined || ref.version === '' || ref.version === 'AWSCURRENT') yield this.name(ref.key);
    }
  }

  /** ESO's rule: `uuid/<id>` pins a VersionId, anything else is a staging label (AWSPREVIOUS, custom). */
  private async getOne(key: string, version: string): Promise<SecretValue> {
    const input: GetSecretValueCommandInput = version.startsWith('uuid/')
      ? { SecretId: key, VersionId: version.slice('uuid/'.length) }
      : { SecretId: key, VersionStage: version };
    const out = await this.call('GetSecretValue', `secret "${key}" version "${version}"`, () =>
      this.sm.send(new GetSecretValueCommand(input)),
    );
    return toValue(key, out);
  }

  /** metadataPolicy Fetch: the secret's tags as a JSON object, as ESO does. */
  private async readTags(key: string): Promise<Uint8Array> {
    const out = await this.call('DescribeSecret', `secret "${key}"`, () =>
      this.sm.send(new DescribeSecretCommand({ SecretId: key })),
    );
    const tags: Record<string, string> = {};
    for (const tag of out.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
    return utf8(JSON.stringify(tags));
  }

  private async batchGet(ids: string[]): Promise<Map<string, SecretValue | BackendError>> {
    const answers = new Map<string, SecretValue | BackendError>();
    if (!this.batchDenied) {
      try {
        await this.batchInto(ids, answers);
      } catch (err) {
        // A policy written for ESO grants GetSecretValue only: read one by one from then on.
        if (!isAccessDenied(err)) return eachAbout(ids, err, (id) => `secret "${id}"`);
        this.batchDenied = true;
      }
    }
    // Ids AWS answered under another spelling (a partial ARN), or every id when batching is denied.
    const rest = ids.filter((id) => !answers.has(id));
    const singles = await Promise.all(
      rest.map((id) => this.getOne(id, 'AWSCURRENT').catch((err: BackendError) => err)),
    );
    rest.forEach((id, i) => {
      answers.set(id, singles[i] as SecretValue | BackendError);
    });
    return answers;
  }

  private async batchInto(ids: string[], answers: Map<string, SecretValue | BackendError>): Promise<void> {
    let nextToken: string | undefined;
    do {
      const out = await this.call('BatchGetSecretValue', `${ids.length} secrets`, () =>
        this.sm.send(
          new BatchGetSecretValueCommand({ SecretIdList: ids, ...(nextToken ? { NextToken: nextToken } : {}) }),
        ),
      );
      for (const entry of out.SecretValues ?? []) {
        const value = toValue(entry.Name ?? '', entry);
        // Ids may be names or ARNs; answer whichever was asked.
        for (const id of ids) if (id === entry.Name || id === entry.ARN) answers.set(id, value);
      }
      for (const error of out.Errors ?? []) {
        if (error.SecretId) {
          answers.set(error.SecretId, classifyBatchEntryError(error.ErrorCode, error.Message, error.SecretId));
        }
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }

  private async readForPush(key: string): Promise<SecretValue | undefined> {
    try {
      return await this.getOne(key, 'AWSCURRENT');
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'NotFound') return undefined;
      throw err;
    }
  }

  private async isManaged(key: string): Promise<boolean> {
    const out = await this.call('DescribeSecret', `secret "${key}"`, () =>
      this.sm.send(new DescribeSecretCommand({ SecretId: key })),
    );
    return (out.Tags ?? []).some((t) => t.Key === MANAGED_BY_TAG.Key && t.Value === MANAGED_BY_TAG.Value);
  }

  private call<T>(operation: string, about: string, fn: () => Promise<T>): Promise<T> {
    return observed(this.opts.onCall, operation, fn, (err) => classifyAwsError(err, about));
  }
}

function toValue(
  key: string,
  out: { Name?: string; ARN?: string; VersionId?: string; SecretString?: string; SecretBinary?: Uint8Array },
): SecretValue {
  return {
    name: out.Name ?? key,
    ...(out.ARN ? { arn: out.ARN } : {}),
    ...(out.VersionId ? { versionId: out.VersionId } : {}),
    ...(out.SecretString !== undefined ? { secretString: out.SecretString } : {}),
    ...(out.SecretBinary !== undefined ? { secretBinary: out.SecretBinary } : {}),
  };
}

/** SecretBinary wins over SecretString, as in ESO. */
function payloadOf(value: SecretValue): Uint8Array | undefined {
  if (value.secretBinary !== undefined) return value.secretBinary;
  if (value.secretString !== undefined) return utf8(value.secretString);
  return undefined;
}

function textOf(value: SecretValue): string | undefined {
  const payload = payloadOf(value);
  return payload ? tryUtf8(payload) : undefined;
}
