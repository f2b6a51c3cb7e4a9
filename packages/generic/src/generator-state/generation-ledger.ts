// What GeneratorStates decide for an ExternalSecret. After a sync that wrote freshly generated
// values, each generator source gets a new state and its older states a garbage-collection
// deadline (ESO's rotation). Before a sync the status does not account for (InitialSync,
// SpecChanged), the states tell whether the controller had already delivered this very spec
// into the Secret and stopped before its status patch: then it records that sync instead of
// generating again, so a restart never hands out a second password.

import type { GeneratorRefSpec } from '../external-secret/resolve-data.ts';
import type { GenerationRecord, GeneratorStates, StateOwner } from './generator-states.ts';

export interface GeneratorSource {
  /** `dataFrom[0]`, `data[1]`. */
  source: string;
  ref: GeneratorRefSpec;
}

interface SourcesSpec {
  data?: Array<{ sourceRef?: { generatorRef?: GeneratorRefSpec } }>;
  dataFrom?: Array<{ sourceRef?: { generatorRef?: GeneratorRefSpec } }>;
}

/** The entries that run a plain generator (a leased one keeps its ledger in the status instead). */
export function generatorSourcesOf(spec: SourcesSpec, leased: (kind: string) => boolean): GeneratorSource[] {
  const sources: GeneratorSource[] = [];
  const add = (field: string) => (entry: { sourceRef?: { generatorRef?: GeneratorRefSpec } }, i: number) => {
    const ref = entry.sourceRef?.generatorRef;
    if (ref && !leased(ref.kind)) sources.push({ source: `${field}[${i}]`, ref });
  };
  (spec.dataFrom ?? []).forEach(add('dataFrom'));
  (spec.data ?? []).forEach(add('data'));
  return sources;
}

/** The newest state of a source not yet superseded. */
export function latestState(records: readonly GenerationRecord[], source: string): GenerationRecord | undefined {
  return records
    .filter((r) => r.source === source && !r.gcDeadline)
    .reduce<GenerationRecord | undefined>(
      (latest, r) => (!latest || r.createdAt > latest.createdAt ? r : latest),
      undefined,
    );
}

/**
 * When every source's latest state records this spec version delivered into the Secret whose
 * MAC is `targetMac`: the time of that delivery. Undefined otherwise (generate as usual).
 */
export function deliveredAt(
  records: readonly GenerationRecord[],
  sources: readonly GeneratorSource[],
  specVersion: string,
  targetMac: string | undefined,
): Date | undefined {
  if (sources.length === 0 || !targetMac) return undefined;
  let at: Date | undefined;
  for (const { source } of sources) {
    const latest = latestState(records, source);
    if (!latest || latest.specVersion !== specVersion || latest.secretMAC !== targetMac) return undefined;
    if (!at || latest.createdAt > at) at = latest.createdAt;
  }
  return at;
}

/** Records the generation of each source that ran, then flags what it supersedes for GC. */
export async function recordGenerations(
  states: GeneratorStates,
  owner: StateOwner,
  generations: Array<GeneratorSource & { keys: string[] }>,
  delivered: { secretMAC: string; specVersion: string; now: Date; graceMs: number },
): Promise<void> {
  if (generations.length === 0) return;
  const before = await states.list(
    owner,
    generations.map((g) => g.source),
  );
  for (const { source, ref, keys } of generations) {
    await states.create(owner, {
      source,
      resource: { apiVersion: ref.apiVersion ?? 'generators.lockstep.dev/v1alpha1', kind: ref.kind, name: ref.name },
      keys,
      secretMAC: delivered.secretMAC,
      specVersion: delivered.specVersion,
      generatedAt: delivered.now,
    });
  }
  // ESO flags every older state, not only the previous latest: a state left by a stale cache goes too.
  const deadline = new Date(delivered.now.getTime() + delivered.graceMs);
  const sources = new Set(generations.map((g) => g.source));
  for (const old of before) {
    if (sources.has(old.source) && !old.gcDeadline) await states.flagForGc(owner.namespace, old.name, deadline);
  }
}
