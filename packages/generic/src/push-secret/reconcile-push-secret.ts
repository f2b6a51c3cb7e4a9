// The PushSecret reconciler in four steps: load (informer caches), decide (pure: push now or
// later), act (read the source Secrets of the PushSecret's own namespace, template them, push
// each `data[]` entry to every selected store, delete what is no longer pushed), record (one
// status patch). Deletion is a finalizer that removes what was pushed (deletionPolicy Delete).

import {
  type Condition,
  conditionsEqual,
  describeFailure,
  type EventRecorder,
  isNotFound,
  type LabelSelector,
  matchesLabelSelector,
  parseGoDuration,
  parseObjectKey,
  READY_CONDITION,
  type ReconcileResult,
  type SecretMap,
  type SecretsClient,
  SpecProblem,
  type StatusPatcher,
  setCondition,
} from '@lockstep/core';
import type { PushSecret } from '../api/push-secret.ts';
import { specVersion } from '../external-secret/refresh-decision.ts';
import { renderTarget, type TargetTemplate, type TemplateSources } from '../external-secret/render-target.ts';
import type { GeneratorRefSpec } from '../external-secret/resolve-data.ts';
import {
  type ObjectCache,
  StoreError,
  type StoreObject,
  type StoreResolver,
} from '../external-secret/store-resolver.ts';
import {
  decidePush,
  entryKey,
  type PushedEntry,
  type PushReason,
  parseStoreKey,
  pushedBefore,
  type SyncedMap,
  staleEntries,
  storeKey,
  syncedMapPatch,
} from './push-decision.ts';
import { reverseKeys, type SourceSecret, type SourceSecretReader, selectSourceSecrets } from './source-secrets.ts';

export const PUSH_SECRET_API = { group: 'external.lockstep.dev', version: 'v1', plural: 'pushsecrets' };
/** Held while deletionPolicy is Delete, so what was pushed is removed before the PushSecret goes. */
export const PUSH_SECRET_FINALIZER = 'external.lockstep.dev/pushsecret-cleanup';

/** ESO's reasons (v1alpha1 ReasonSynced / ReasonErrored). */
export type PushSecretReason = 'Synced' | 'Errored';

export type LabelledStore = StoreObject & { metadata?: { labels?: Record<string, string> } };

export interface PushSecretContext {
  pushSecrets: ObjectCache<PushSecret>;
  stores: StoreResolver;
  /** The store caches, for `secretStoreRefs[].labelSelector`: SecretStores of one namespace, or every ClusterSecretStore. */
  listStores(kind: 'SecretStore' | 'ClusterSecretStore', namespace: string): readonly LabelledStore[];
  sources: SourceSecretReader;
  generate(namespace: string, ref: GeneratorRefSpec): Promise<SecretMap>;
  templateSources(namespace: string): TemplateSources;
  status: StatusPatcher;
  events: EventRecorder;
  now(): Date;
}

/** A failure that is not retried (a user error) waits for a watch event, or this long. */
const USER_ERROR_RECHECK_MS = 5 * 60_000;

type StoreTarget = { kind: 'SecretStore' | 'ClusterSecretStore'; name: string };

export async function reconcilePushSecret(key: string, ctx: PushSecretContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const ps = ctx.pushSecrets.get(namespace, name);
  if (!ps) return {};
  const previous = (ps.status?.syncedPushSecrets ?? {}) as SyncedMap;
  const named = ps.spec.secretStoreRefs.filter((r) => r.name).map((r) => ({ name: r.name ?? '', kind: r.kind }));
  // A store of another --controller-class: that controller serves this PushSecret.
  if (ctx.stores.usesOtherControllerClass(namespace, named)) return {};
  if (ps.metadata?.deletionTimestamp) return finalize(ps, previous, ctx);
  await syncFinalizer(ps, (ps.spec.deletionPolicy ?? 'None') === 'Delete', ctx);
  const now = ctx.now();

  // 2. decide
  let intervalMs: number;
  try {
    intervalMs = parseGoDuration(ps.spec.refreshInterval ?? '1h', 'spec.refreshInterval');
  } catch (err) {
    await record(ps, ctx, { ok: false, message: (err as Error).message, synced: previous }, now);
    return {};
  }
  const decision = decidePush({
    now,
    specVersion: specVersion(ps.metadata ?? {}),
    syncedVersion: ps.status?.syncedResourceVersion,
    refreshTime: ps.status?.refreshTime ? new Date(ps.status.refreshTime) : undefined,
    refreshIntervalMs: intervalMs,
  });
  if (!decision.push) return decision.requeueAfterMs !== undefined ? { requeueAfter: decision.requeueAfterMs } : {};

  // 3. act
  const run = await push(ps, previous, ctx, decision.reason);
  // 4. record
  if (run.ok) {
    await record(ps, ctx, run, now);
    return intervalMs > 0 ? { requeueAfter: intervalMs } : {};
  }
  const failure = describeFailure(run.error);
  await record(ps, ctx, { ok: false, message: failure.message, synced: run.synced }, now);
  if (failure.retry) throw run.error;
  return { requeueAfter: USER_ERROR_RECHECK_MS };
}

type PushRun =
  | { ok: true; message: string; synced: SyncedMap; deleted: number }
  | { ok: false; error: unknown; synced: SyncedMap };

async function push(ps: PushSecret, previous: SyncedMap, ctx: PushSecretContext, reason: PushReason): Promise<PushRun> {
  const namespace = ps.metadata?.namespace ?? '';
  const next: SyncedMap = {};
  let deleted = 0;
  try {
    const sources = await sourceSecrets(ps, ctx);
    const stores = selectStores(ps, namespace, ctx);
    const clients = new Map<string, SecretsClient>();
    // Every entry's metadata is checked against every store before anything is pushed.
    for (const store of stores) {
      const client = await ctx.stores.client(namespace, store);
      for (const entry of ps.spec.data ?? []) checkMetadata(client, store, entry);
      clients.set(storeKey(store), client);
    }
    for (const store of stores) {
      const client = clients.get(storeKey(store)) as SecretsClient;
      const sKey = storeKey(store);
      next[sKey] = {};
      for (const source of sources) {
        for (const entry of ps.spec.data ?? []) {
          const ref = entry.match.remoteRef;
          const owned = pushedBefore(previous, sKey, ref.remoteKey) || pushedBefore(next, sKey, ref.remoteKey);
          const value = entryValue(source, entry);
          if ((ps.spec.updatePolicy ?? 'Replace') === 'IfNotExists' && (await remoteExists(client, ref))) {
            // Left as it is; recorded only when this PushSecret created it (so Delete never removes another's).
            if (owned) next[sKey][entryKey(ref)] = recorded(entry);
            continue;
          }
          await requirePush(client, store).call(client, value, ref, {
            pushedBefore: owned,
            ...(entry.metadata !== undefined ? { metadata: entry.metadata } : {}),
          });
          next[sKey][entryKey(ref)] = recorded(entry);
        }
      }
    }
    if ((ps.spec.deletionPolicy ?? 'None') === 'Delete') {
      deleted = await removeStale(previous, next, namespace, ctx);
    }
  } catch (error) {
    // Keep the earlier records beside the new ones: what was pushed stays known for a later delete.
    return { ok: false, error, synced: mergeSynced(next, previous) };
  }
  const count = Object.values(next).reduce((n, entries) => n + Object.keys(entries).length, 0);
  const ifNotExists =
    (ps.spec.updatePolicy ?? 'Replace') === 'IfNotExists' ? '; existing secrets in providers unchanged' : '';
  return {
    ok: true,
    message: `PushSecret synced successfully (${reason}): ${count} entr${count === 1 ? 'y' : 'ies'} in ${Object.keys(next).length} store(s)${ifNotExists}`,
    synced: next,
    deleted,
  };
}

/** The Secrets to push, each with the template applied in memory (the source is never changed). */
async function sourceSecrets(ps: PushSecret, ctx: PushSecretContext): Promise<SourceSecret[]> {
  const namespace = ps.metadata?.namespace ?? '';
  const selector = ps.spec.selector;
  const found: SourceSecret[] = selector.generatorRef
    ? [
        {
          name: `generator ${selector.generatorRef.kind} "${selector.generatorRef.name}"`,
          data: await ctx.generate(namespace, selector.generatorRef),
        },
      ]
    : await selectSourceSecrets(ctx.sources, namespace, selector.secret ?? {});
  const template = ps.spec.template as TargetTemplate | undefined;
  if (!template) return found;
  const rendered: SourceSecret[] = [];
  for (const source of found) {
    // ESO: templated keys are merged over the source's own keys.
    const out = await renderTarget(template, source.data, ctx.templateSources(namespace));
    rendered.push({ name: source.name, data: { ...source.data, ...out.data } });
  }
  return rendered;
}

/** `secretStoreRefs`: by name, or every store of that kind whose labels match (SecretStores of this namespace only). */
function selectStores(ps: PushSecret, namespace: string, ctx: PushSecretContext): StoreTarget[] {
  const out = new Map<string, StoreTarget>();
  for (const ref of ps.spec.secretStoreRefs) {
    const kind = ref.kind ?? 'SecretStore';
    if (ref.name) {
      out.set(storeKey({ kind, name: ref.name }), { kind, name: ref.name });
      continue;
    }
    if (!ref.labelSelector) {
      throw new SpecProblem('InvalidSpec', 'each spec.secretStoreRefs entry needs a name or a labelSelector');
    }
    const selector: LabelSelector = ref.labelSelector;
    for (const store of ctx.listStores(kind, namespace)) {
      const storeName = store.metadata?.name;
      if (!storeName || !matchesLabelSelector(selector, store.metadata?.labels)) continue;
      if (!ctx.stores.serves(store)) continue;
      // A ClusterSecretStore that refuses this namespace is not selected by a label match.
      if (kind === 'ClusterSecretStore' && !ctx.stores.namespaceAllowed(store, namespace)) continue;
      out.set(storeKey({ kind, name: storeName }), { kind, name: storeName });
    }
  }
  return [...out.values()].sort((a, b) => (storeKey(a) < storeKey(b) ? -1 : 1));
}

type DataEntry = NonNullable<PushSecret['spec']['data']>[number];

/** The bytes one entry pushes: one key of the source, or (no secretKey) the whole Secret as a JSON object. */
function entryValue(source: SourceSecret, entry: DataEntry): Uint8Array {
  const data = reverseKeys(entry.conversionStrategy, source.data);
  const secretKey = entry.match.secretKey;
  if (!secretKey) {
    const doc = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
    return Buffer.from(JSON.stringify(doc), 'utf8');
  }
  const value = data[secretKey];
  if (value === undefined) {
    throw new SpecProblem(
      'InvalidSpec',
      `key "${secretKey}" not found in Secret "${source.name}": fix spec.data[].match.secretKey or add the key`,
    );
  }
  return value;
}

function recorded(entry: DataEntry): PushedEntry {
  return structuredClone(entry) as PushedEntry;
}

async function remoteExists(client: SecretsClient, ref: { remoteKey: string; property?: string }): Promise<boolean> {
  try {
    await client.getSecret({ key: ref.remoteKey, ...(ref.property ? { property: ref.property } : {}) });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** `data[].metadata` is honoured by the stores that take it, and refused (never ignored) by the others. */
function checkMetadata(client: SecretsClient, store: StoreTarget, entry: DataEntry): void {
  if (entry.metadata === undefined) return;
  if (!client.checkPushMetadata) {
    throw new SpecProblem(
      'InvalidSpec',
      `${store.kind} "${store.name}" uses a provider that takes no spec.data[].metadata: remove it from the entry for "${entryKey(entry.match.remoteRef)}"`,
    );
  }
  client.checkPushMetadata(entry.metadata);
}

function requirePush(client: SecretsClient, store: StoreTarget): NonNullable<SecretsClient['pushSecret']> {
  if (!client.pushSecret) {
    throw new SpecProblem('InvalidSpec', `${store.kind} "${store.name}" uses a provider that cannot push secrets`);
  }
  return client.pushSecret;
}

/** deletionPolicy Delete: removes each earlier push the new run no longer makes; answers how many. */
async function removeStale(
  previous: SyncedMap,
  next: SyncedMap,
  namespace: string,
  ctx: PushSecretContext,
): Promise<number> {
  const stale = staleEntries(previous, next);
  for (const { store, entry } of stale) {
    const client = await ctx.stores.client(namespace, parseStoreKey(store));
    await client.deleteSecret?.(entry.match.remoteRef, { pushedBefore: true });
  }
  return stale.length;
}

function mergeSynced(next: SyncedMap, previous: SyncedMap): SyncedMap {
  const out: SyncedMap = structuredClone(previous);
  for (const [store, entries] of Object.entries(next)) out[store] = { ...out[store], ...entries };
  return out;
}

/** The PushSecret is being deleted: remove what it pushed (deletionPolicy Delete), then let it go. */
async function finalize(ps: PushSecret, previous: SyncedMap, ctx: PushSecretContext): Promise<ReconcileResult> {
  if (!ps.metadata?.finalizers?.includes(PUSH_SECRET_FINALIZER)) return {};
  const namespace = ps.metadata?.namespace ?? '';
  for (const { store, entry } of staleEntries(previous, {})) {
    let client: SecretsClient;
    try {
      client = await ctx.stores.client(namespace, parseStoreKey(store));
    } catch (err) {
      // A store deleted first (a namespace going away) cannot be cleaned: say what stays, and let go.
      if (!(err instanceof StoreError && err.reason === 'StoreNotFound')) throw err;
      ctx.events.warning(involved(ps), 'Errored', `${err.message}; "${entryKey(entry.match.remoteRef)}" stays in it`);
      continue;
    }
    try {
      await client.deleteSecret?.(entry.match.remoteRef, { pushedBefore: true });
    } catch (err) {
      const failure = describeFailure(err);
      await record(
        ps,
        ctx,
        { ok: false, message: `cannot delete pushed secrets: ${failure.message}`, synced: previous },
        ctx.now(),
      );
      throw err;
    }
  }
  await syncFinalizer(ps, false, ctx);
  return {};
}

async function syncFinalizer(ps: PushSecret, want: boolean, ctx: PushSecretContext): Promise<void> {
  const current = ps.metadata?.finalizers ?? [];
  if (current.includes(PUSH_SECRET_FINALIZER) === want) return;
  const finalizers = want ? [...current, PUSH_SECRET_FINALIZER] : current.filter((f) => f !== PUSH_SECRET_FINALIZER);
  await ctx.status.patchMetadata(statusTarget(ps), { finalizers });
}

async function record(
  ps: PushSecret,
  ctx: PushSecretContext,
  outcome: { ok: boolean; message: string; synced: SyncedMap; deleted?: number },
  now: Date,
): Promise<void> {
  const reason: PushSecretReason = outcome.ok ? 'Synced' : 'Errored';
  const conditions: Condition[] = setCondition(
    ps.status?.conditions,
    {
      type: READY_CONDITION,
      status: outcome.ok ? 'True' : 'False',
      reason,
      message: outcome.ok ? outcome.message : `failed to push: ${outcome.message}`,
      observedGeneration: ps.metadata?.generation,
    },
    now,
  );
  const previous = (ps.status?.syncedPushSecrets ?? {}) as SyncedMap;
  const syncedChanged = JSON.stringify(previous) !== JSON.stringify(outcome.synced);
  const conditionChanged = !conditionsEqual(conditions, ps.status?.conditions);
  if (!outcome.ok && !conditionChanged && !syncedChanged) return;
  await ctx.status.patchStatus(statusTarget(ps), {
    conditions,
    syncedPushSecrets: syncedMapPatch(previous, outcome.synced),
    ...(outcome.ok
      ? {
          refreshTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          syncedResourceVersion: specVersion(ps.metadata ?? {}),
        }
      : {}),
  });
  const message = conditions.find((c) => c.type === READY_CONDITION)?.message ?? '';
  if (!outcome.ok) ctx.events.warning(involved(ps), reason, message);
  else if (conditionChanged || syncedChanged || (outcome.deleted ?? 0) > 0)
    ctx.events.normal(involved(ps), reason, message);
}

function statusTarget(ps: PushSecret) {
  return { ...PUSH_SECRET_API, namespace: ps.metadata?.namespace, name: ps.metadata?.name ?? '' };
}

function involved(ps: PushSecret) {
  return {
    apiVersion: `${PUSH_SECRET_API.group}/${PUSH_SECRET_API.version}`,
    kind: 'PushSecret',
    namespace: ps.metadata?.namespace,
    name: ps.metadata?.name ?? '',
    uid: ps.metadata?.uid,
  };
}
