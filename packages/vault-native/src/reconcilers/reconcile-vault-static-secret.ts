// VaultStaticSecret in four steps: load (caches), decide (why this sync), act (read KV,
// render, write the Secret, restart targets on a data change), record (one status patch).
// An unchanged refresh reads Vault and writes nothing: no Secret write, no restart, no patch.

import type { V1Secret } from '@kubernetes/client-node';
import {
  announceSecretWrite,
  DATA_MAC_ANNOTATION,
  dataMac,
  parseObjectKey,
  type ReconcileResult,
  restartValue,
  SpecProblem,
} from '@lockstep/core';
import type { VaultStaticSecret } from '../api/vault-static-secret.ts';
import { joinPath } from '../client/vault-path.ts';
import { checkDestinationSpec, destinationState, writeDestination } from './destination.ts';
import type { ObjectCache } from './object-cache.ts';
import { RECHECK_MS, recordFailure } from './reconcile-steps.ts';
import { buildSecretData, durationSeconds, type SourceData } from './secret-data.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import { announcer, type VaultNativeContext } from './vault-context.ts';
import { involved, ownerReference, statusTarget } from './vault-kinds.ts';
import { openSession, type VaultSession } from './vault-session.ts';

export interface StaticSecretContext extends VaultNativeContext {
  staticSecrets: ObjectCache<VaultStaticSecret>;
  /** Reads the KV secret (default: `readKv` through the session). Unit tests put a fake KV here. */
  readKv?(vss: VaultStaticSecret, session: VaultSession): Promise<SourceData>;
}

export type StaticSyncReason = 'InitialSync' | 'SpecChanged' | 'TargetMissing' | 'TargetDrifted' | 'RefreshDue';

export interface StaticPlan {
  reason: StaticSyncReason;
  /** Re-read period; undefined: sync once per spec change (VSO without refreshAfter). */
  refreshMs: number | undefined;
}

/** Pure: why this run syncs, and when the next one is due. */
export function decideStaticSync(vss: VaultStaticSecret, target: V1Secret | undefined, macKey: Uint8Array): StaticPlan {
  if (vss.spec.syncConfig?.instantUpdates) {
    // VSO subscribes to Vault Enterprise event notifications; OpenBao has none. Refused, not ignored.
    throw new SpecProblem(
      'InvalidSpec',
      'spec.syncConfig.instantUpdates is not supported (it needs Vault Enterprise event notifications): remove it and set spec.refreshAfter',
    );
  }
  const refresh = durationSeconds(vss.spec.refreshAfter, 'spec.refreshAfter');
  const refreshMs = refresh !== undefined && refresh > 0 ? refresh * 1000 : undefined;
  const status = vss.status ?? {};
  if (status.lastGeneration === undefined) return { reason: 'InitialSync', refreshMs };
  if (status.lastGeneration !== vss.metadata?.generation) return { reason: 'SpecChanged', refreshMs };
  const state = destinationState(
    target && (target.data ?? {}),
    target?.metadata?.annotations?.[DATA_MAC_ANNOTATION],
    (d) => dataMac(macKey, d),
  );
  if (state === 'Missing' || !target) return { reason: 'TargetMissing', refreshMs };
  if (state === 'Drifted') return { reason: 'TargetDrifted', refreshMs };
  return { reason: 'RefreshDue', refreshMs };
}

export async function reconcileVaultStaticSecret(key: string, ctx: StaticSecretContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const vss = ctx.staticSecrets.get(namespace, name);
  if (!vss || vss.metadata?.deletionTimestamp) return {};
  const now = ctx.now();
  const target = ctx.secrets.get(namespace, vss.spec.destination.name);

  // 2. decide
  let plan: StaticPlan;
  try {
    checkDestinationSpec(vss.spec.destination);
    plan = decideStaticSync(vss, target, ctx.macKey);
  } catch (err) {
    return fail(vss, err, ctx, now);
  }

  // 3. act
  let ready: ReadyState;
  let mac: string | undefined;
  try {
    const session = await openSession(namespace, vss.spec.vaultAuthRef, vss.spec.namespace, ctx);
    const source = await (ctx.readKv ?? readKv)(vss, session);
    const data = buildSecretData(source, vss.spec.destination.transformation, vss.spec.destination);
    const written = await writeDestination(
      { namespace, destination: vss.spec.destination, data, owner: ownerReference('VaultStaticSecret', vss) },
      ctx,
    );
    if ('blocked' in written) throw new SpecProblem('DestinationBlocked', written.blocked);
    mac = written.mac;
    if (written.written) {
      await announceSecretWrite(announcer('VaultStaticSecret', ctx), {
        involved: involved('VaultStaticSecret', vss),
        namespace,
        operation: written.reason === 'Created' ? 'create' : 'update',
        event: {
          reason: 'SecretSynced',
          message: `Secret "${vss.spec.destination.name}" written (${plan.reason}, ${written.reason})`,
        },
        targets: vss.spec.rolloutRestartTargets ?? [],
        // Restart once per data change: never for a first sync, a drift repair or an unchanged refresh.
        ...(written.reason === 'DataChanged' ? { restart: { value: restartValue(now, written.mac) } } : {}),
      });
    }
    ready = {
      ok: true,
      reason: 'SecretSynced',
      message: `Secret "${vss.spec.destination.name}" is in sync with ${describe(vss)}`,
    };
  } catch (err) {
    return fail(vss, err, ctx, now, plan.refreshMs);
  }

  // 4. record
  await patchStatusIfChanged(ctx.status, statusTarget('VaultStaticSecret', vss), vss.status, {
    lastGeneration: vss.metadata?.generation,
    secretMAC: vss.spec.hmacSecretData === false ? undefined : mac,
    conditions: readyConditions(vss.status?.conditions, ready, vss.metadata?.generation, now),
  });
  return plan.refreshMs !== undefined ? { requeueAfter: plan.refreshMs } : {};
}

async function readKv(vss: VaultStaticSecret, session: VaultSession): Promise<SourceData> {
  const { mount, path, type, version } = vss.spec;
  if (type === 'kv-v2') {
    const query = version ? { version } : undefined;
    const res = await session.token.use((token) =>
      session.client.read<{ data?: Record<string, unknown> | null; metadata?: Record<string, unknown> }>(
        joinPath(mount, 'data', path),
        { token, ...session.opts, ...(query ? { query } : {}) },
      ),
    );
    const body = res.data ?? {};
    if (!body.data) throw new SpecProblem('NotFound', `${describe(vss)} has no data (deleted or destroyed)`);
    return { fields: body.data, raw: body, ...(body.metadata ? { metadata: body.metadata } : {}) };
  }
  const res = await session.token.use((token) =>
    session.client.read<Record<string, unknown>>(joinPath(mount, path), { token, ...session.opts }),
  );
  return { fields: res.data ?? {}, raw: res.data ?? {} };
}

function describe(vss: VaultStaticSecret): string {
  const v = vss.spec.version ? ` version ${vss.spec.version}` : '';
  return `${vss.spec.type} secret "${vss.spec.mount}/${vss.spec.path}"${v}`;
}

function fail(
  vss: VaultStaticSecret,
  err: unknown,
  ctx: StaticSecretContext,
  now: Date,
  refreshMs?: number,
): Promise<ReconcileResult> {
  return recordFailure('VaultStaticSecret', vss, err, ctx, now, {
    requeueAfterMs: Math.min(refreshMs ?? RECHECK_MS, RECHECK_MS),
  });
}
