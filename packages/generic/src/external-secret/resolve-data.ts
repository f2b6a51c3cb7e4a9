// Step "source" of the ExternalSecret pipeline: turns `data[]` and `dataFrom[]` into one
// map of Secret keys to bytes. Later entries win over earlier ones, as in ESO. A remote key
// that does not exist is collected in `missing` rather than thrown, because what happens
// then depends on the deletionPolicy, which is the reconciler's decision.

import {
  awaitAll,
  BackendError,
  type FindRef,
  isNotFound,
  type RemoteRef,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
} from '@lockstep/core';
import { decodeValue } from './decoding.ts';
import { applyRewrites, type KeyTemplate, type Rewrite } from './rewrite.ts';
import { convertKey, invalidSecretKeyReason } from './secret-keys.ts';

export interface StoreRefSpec {
  name: string;
  kind?: 'SecretStore' | 'ClusterSecretStore';
}

export interface GeneratorRefSpec {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface DataEntry {
  secretKey: string;
  remoteRef: RemoteRef;
  sourceRef?: { storeRef?: StoreRefSpec; generatorRef?: GeneratorRefSpec };
}

export interface DataFromEntry {
  extract?: RemoteRef;
  find?: FindRef;
  rewrite?: Rewrite[];
  sourceRef?: { storeRef?: StoreRefSpec; generatorRef?: GeneratorRefSpec };
}

export interface DataSources {
  /** The client of the ExternalSecret's store, or of `storeRef` when an entry names another. */
  client(storeRef?: StoreRefSpec): Promise<SecretsClient>;
  /** Runs a generator (Password, Fake, VaultDynamicSecret…) and answers its values. */
  generate(ref: GeneratorRefSpec): Promise<SecretMap>;
}

export interface ResolvedData {
  data: SecretMap;
  /** Remote keys that do not exist (provider NotFound), in the words of the spec. */
  missing: string[];
}

/** Input the user must fix (bad key, bad regexp…); the message says what. */
export class DataSpecError extends SpecProblem {
  constructor(message: string) {
    super('InvalidSpec', message);
  }
}

export async function resolveData(
  spec: { data?: DataEntry[]; dataFrom?: DataFromEntry[] },
  sources: DataSources,
  renderKey: KeyTemplate,
): Promise<ResolvedData> {
  const data: SecretMap = {};
  const missing: string[] = [];
  const notFound = (what: string) => (err: unknown) => {
    if (!isNotFound(err)) throw err;
    missing.push(what);
    return undefined;
  };

  // data[] and dataFrom[] are read concurrently; the coalescing client merges duplicates.
  const fromEntries = (spec.dataFrom ?? []).map(async (entry, i) => {
    const raw = await readDataFrom(entry, i, sources).catch(notFound(describeDataFrom(entry, i)));
    if (!raw) return {};
    // ESO applies rewrites first, then the key conversion strategy.
    const ref = entry.extract ?? entry.find;
    return convertKeys(applyRewrites(raw, entry.rewrite, renderKey), ref?.conversionStrategy);
  });
  const dataEntries = (spec.data ?? []).map(async (entry) => {
    if (entry.sourceRef?.generatorRef) {
      const generated = await sources.generate(entry.sourceRef.generatorRef);
      const value = generated[entry.remoteRef.key];
      if (value === undefined)
        throw new DataSpecError(`generator ${entry.sourceRef.generatorRef.name} has no key "${entry.remoteRef.key}"`);
      return [entry.secretKey, value] as const;
    }
    const client = await sources.client(entry.sourceRef?.storeRef);
    const value = await client.getSecret(entry.remoteRef).catch(notFound(describeRef(entry.remoteRef)));
    if (!value) return undefined;
    return [entry.secretKey, decodeValue(value, entry.remoteRef.decodingStrategy, entry.secretKey)] as const;
  });

  // Both lists run at once, so both are awaited together: a failure in one must not leave the
  // other's rejections unwatched (that ended the process when a store was not cached yet).
  const [maps, pairs] = await awaitAll([awaitAll(fromEntries), awaitAll(dataEntries)]);
  for (const map of maps) Object.assign(data, map);
  for (const pair of pairs) if (pair) data[pair[0]] = pair[1];

  for (const key of Object.keys(data)) {
    const reason = invalidSecretKeyReason(key);
    if (reason) throw new DataSpecError(reason);
  }
  return { data, missing };
}

async function readDataFrom(entry: DataFromEntry, index: number, sources: DataSources): Promise<SecretMap> {
  if (entry.sourceRef?.generatorRef) return sources.generate(entry.sourceRef.generatorRef);
  const client = await sources.client(entry.sourceRef?.storeRef);
  if (entry.extract) {
    return decodeMap(await client.getSecretMap(entry.extract), entry.extract.decodingStrategy);
  }
  if (entry.find) {
    return decodeMap(await client.getAllSecrets(entry.find), entry.find.decodingStrategy);
  }
  throw new DataSpecError(`dataFrom[${index}] needs one of extract, find or sourceRef.generatorRef`);
}

function convertKeys(map: SecretMap, strategy: 'Default' | 'Unicode' | undefined): SecretMap {
  const out: SecretMap = {};
  for (const [key, value] of Object.entries(map)) out[convertKey(key, strategy)] = value;
  return out;
}

function decodeMap(map: SecretMap, strategy: RemoteRef['decodingStrategy']): SecretMap {
  const out: SecretMap = {};
  for (const [key, value] of Object.entries(map)) out[key] = decodeValue(value, strategy, key);
  return out;
}

function describeRef(ref: RemoteRef): string {
  return ref.property ? `${ref.key} (property ${ref.property})` : ref.key;
}

function describeDataFrom(entry: DataFromEntry, index: number): string {
  if (entry.extract) return describeRef(entry.extract);
  return `dataFrom[${index}]`;
}

export function isSpecError(err: unknown): boolean {
  return err instanceof DataSpecError || (err instanceof BackendError && err.errorClass === 'InvalidInput');
}
