// A `dataFrom[].sourceRef.generatorRef` whose generator hands out leases (VaultDynamicSecret).
// ESO issues a new credential at every refresh and never tracks the old lease; here the lease
// engine (registered by vault-native through core's LeasedGenerator) runs at every reconcile
// over the ledger kept in the ExternalSecret's own status (`status.lockstep.ledgers`), so the
// lease is renewed, re-issued before its max TTL, and revoked after the rollout or on delete.
//
// The ledger lives in the ExternalSecret's status rather than in a GeneratorState: it is
// written in the same status patch as the sync that delivered the credential, so the record of
// which lease is live and the Secret holding it can never disagree after a crash, and it names
// only lease IDs (a GeneratorState would hold a snapshot of the generated values themselves).

import type { V1Secret } from '@kubernetes/client-node';
import {
  DATA_MAC_ANNOTATION,
  type KubeAccess,
  type LeasedGenerator,
  type LeasedSourceResult,
  type LeaseLedger,
  type MultiLedgerStatus,
  type RolloutRestarter,
  type RolloutState,
} from '@lockstep/core';
import type { ExternalSecret } from '../api/external-secret.ts';
import type { GeneratorReader } from './generator-source.ts';
import type { RefreshDecision } from './refresh-decision.ts';
import { DataSpecError, type GeneratorRefSpec } from './resolve-data.ts';

/** Held while the ExternalSecret has leases to revoke on delete. */
export const LEASE_FINALIZER = 'external.lockstep.dev/lease-revocation';

/** Recorded as `secretMAC` while an issued credential has not reached the Secret. */
export const UNDELIVERED_MAC = 'undelivered';

export interface LeasedSources {
  /** The leased generator serving `kind`, if it is one. */
  generator(kind: string): LeasedGenerator | undefined;
  read: GeneratorReader;
  kube: KubeAccess;
}

export interface LeasedRef {
  /** Which entry holds the lease, e.g. `dataFrom[1]`: the ledger's key. */
  source: string;
  ref: GeneratorRefSpec;
  generator: LeasedGenerator;
}

/** The one dataFrom entry served by a leased generator (undefined: none). Two are refused. */
export function leasedRefOf(es: ExternalSecret, sources: LeasedSources | undefined): LeasedRef | undefined {
  if (!sources) return undefined;
  const found: LeasedRef[] = [];
  (es.spec.dataFrom ?? []).forEach((entry, i) => {
    const ref = entry.sourceRef?.generatorRef;
    const generator = ref ? sources.generator(ref.kind) : undefined;
    if (ref && generator) found.push({ source: `dataFrom[${i}]`, ref, generator });
  });
  if (found.length > 1) {
    throw new DataSpecError(
      `${found.map((f) => f.source).join(' and ')} both name a leased generator: one ExternalSecret holds at most one lease; split them into two ExternalSecrets`,
    );
  }
  return found[0];
}

export interface LeaseRun {
  leased: LeasedRef;
  result: LeasedSourceResult;
}

export interface LeaseRunContext {
  leases: LeasedSources;
  rollout: RolloutRestarter;
  now(): Date;
  random(): number;
}

/** Runs the lease engine for the ExternalSecret's leased source over the ledger it recorded. */
export async function runLease(
  es: ExternalSecret,
  leased: LeasedRef,
  decision: RefreshDecision,
  status: MultiLedgerStatus | undefined,
  target: V1Secret | undefined,
  ctx: LeaseRunContext,
): Promise<LeaseRun> {
  const namespace = es.metadata?.namespace ?? '';
  const ledger = ledgerOf(status);
  const spec = await ctx.leases.read(namespace, leased.ref);
  const problems = leased.generator.validateSpec(spec, namespace);
  if (problems.length) throw new DataSpecError(`${leased.ref.kind} "${leased.ref.name}": ${problems.join('; ')}`);
  const targets = es.spec.rolloutRestartTargets ?? [];
  const awaitingRollout = (ledger?.previous ?? []).some((p) => p.state === 'AwaitingRollout');
  const rollout: RolloutState | undefined =
    awaitingRollout && targets.length > 0 ? await ctx.rollout.state(namespace, targets) : undefined;
  const reissue = reissueOf(decision, ledger, status?.secretMAC, target);
  const result = await leased.generator.sync({
    namespace,
    key: `ExternalSecret/${namespace}/${es.metadata?.name}/${leased.source}`,
    spec,
    ledger,
    ...(reissue ? { reissue } : {}),
    hasTargets: targets.length > 0,
    ...(rollout ? { rollout } : {}),
    kube: ctx.leases.kube,
    now: ctx.now,
    random: ctx.random,
  });
  return { leased, result };
}

/** The ledger recorded for the leased source (at most one: see leasedRefOf). */
export function ledgerOf(status: MultiLedgerStatus | undefined): LeaseLedger | undefined {
  const entry = status?.ledgers?.[0];
  if (!entry) return undefined;
  const { source: _source, ...ledger } = entry;
  return ledger;
}

/**
 * The Secret no longer holds the live credential (deleted, edited, or an issued one was never
 * written): the engine cannot rewrite it from the ledger, so it issues a new one. A changed spec
 * (a template, a key) also needs the credential's values, which only an issue yields.
 */
function reissueOf(
  decision: RefreshDecision,
  ledger: LeaseLedger | undefined,
  recordedMac: string | undefined,
  target: V1Secret | undefined,
): 'SpecChanged' | 'TargetDrifted' | undefined {
  if (!ledger) return undefined;
  if (decision.sync && decision.reason === 'SpecChanged') return 'SpecChanged';
  if (decision.sync && (decision.reason === 'TargetMissing' || decision.reason === 'TargetDrifted')) {
    return 'TargetDrifted';
  }
  if (recordedMac === UNDELIVERED_MAC) return 'TargetDrifted';
  const written = target?.metadata?.annotations?.[DATA_MAC_ANNOTATION];
  if (recordedMac && written && written !== recordedMac) return 'TargetDrifted';
  return undefined;
}

/** `status.lockstep` after a run: the new ledger under its source, and the MAC of what the Secret holds. */
export function lockstepStatus(run: LeaseRun, secretMAC: string | undefined): MultiLedgerStatus {
  const { ledger } = run.result;
  return {
    ...(ledger ? { ledgers: [{ source: run.leased.source, ...ledger }] } : {}),
    ...(secretMAC ? { secretMAC } : {}),
  };
}

/** Deletion: revoke what the ledger holds, then let the ExternalSecret go. */
export async function releaseLeases(
  es: ExternalSecret,
  leases: LeasedSources,
  status: MultiLedgerStatus | undefined,
): Promise<string[]> {
  const namespace = es.metadata?.namespace ?? '';
  const ledger = ledgerOf(status);
  if (!ledger) return [];
  const leased = leasedRefOf(es, leases);
  if (!leased) {
    throw new DataSpecError('the leased generator is no longer named in spec.dataFrom: its lease cannot be revoked');
  }
  const spec = await leases.read(namespace, leased.ref);
  return leased.generator.release({ namespace, spec, ledger, kube: leases.kube });
}
