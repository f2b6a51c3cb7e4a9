// VaultPKISecret in four steps. Load (caches), decide (the lease engine over the ledger in
// status: issue now, or wait until `expiration - expiryOffset`, and which superseded serials
// may be revoked), act (issue, write the Secret, restart targets, revoke after the rollout
// when spec.revoke), record (one status patch; the scheduler wakes it at `nextRotation`).

import { parseObjectKey, type ReconcileResult } from '@lockstep/core';
import type { VaultPKISecret } from '../api/vault-pki-secret.ts';
import { revokeAll, syncFinalizer, syncLeased } from './leased-sync.ts';
import type { ObjectCache } from './object-cache.ts';
import { pkiBackend, pkiSecretFields } from './pki-backend.ts';
import { RECHECK_MS } from './reconcile-vault-static-secret.ts';
import { buildSecretData, durationSeconds } from './secret-data.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import { describeFailure, retryable, SpecProblem } from './sync-failure.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget, VAULT_FINALIZER } from './vault-kinds.ts';
import { openSession } from './vault-session.ts';

export interface PKISecretContext extends VaultNativeContext {
  pkiSecrets: ObjectCache<VaultPKISecret>;
}

const KIND = 'VaultPKISecret';

export async function reconcileVaultPKISecret(key: string, ctx: PKISecretContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const cached = ctx.pkiSecrets.get(namespace, name);
  if (!cached) {
    ctx.schedule(KIND, key, undefined);
    ctx.recent.forget(`${KIND}/${key}`);
    return {};
  }
  const now = ctx.now();
  const vps = { ...cached, status: ctx.recent.resolve(`${KIND}/${key}`, cached.status, now) };
  const target = statusTarget(KIND, vps);
  if (vps.metadata?.deletionTimestamp) return finalize(vps, key, ctx);
  const needsFinalizer = vps.spec.revoke || vps.spec.clear;

  // 2. decide: the spec's own checks; the lease engine decides the rest inside syncLeased.
  let expiryOffsetSeconds: number | undefined;
  try {
    durationSeconds(vps.spec.ttl, 'spec.ttl');
    expiryOffsetSeconds = durationSeconds(vps.spec.expiryOffset, 'spec.expiryOffset');
    if (!vps.spec.commonName)
      throw new SpecProblem('InvalidSpec', "spec.commonName is required: set the certificate's common name");
    secretData(vps, { fields: {}, raw: {} });
  } catch (err) {
    return fail(vps, err, ctx, now);
  }

  // 3. act
  let result: Awaited<ReturnType<typeof syncLeased>>;
  try {
    await syncFinalizer(vps, !!needsFinalizer, ctx, target, VAULT_FINALIZER);
    const session = await openSession(namespace, vps.spec.vaultAuthRef, vps.spec.namespace, ctx);
    result = await syncLeased(
      {
        kind: KIND,
        key,
        obj: vps,
        session,
        backend: pkiBackend(vps, session, ctx.now),
        revokeSuperseded: vps.spec.revoke,
        decision: expiryOffsetSeconds !== undefined ? { expiryOffsetSeconds } : {},
        secretData: (issued) => secretData(vps, issued),
      },
      ctx,
    );
  } catch (err) {
    return fail(vps, err, ctx, now);
  }

  // 4. record
  const { act } = result;
  const ledger = act.ledger;
  const failure = result.error !== undefined ? describeFailure(result.error) : undefined;
  const ready: ReadyState = result.blocked
    ? { ok: false, reason: 'DestinationBlocked', message: result.blocked }
    : failure
      ? { ok: false, reason: failure.reason, message: failure.message }
      : {
          ok: true,
          reason: result.issuedReason ?? 'CertificateValid',
          message: `certificate ${ledger?.serialNumber ?? ''} valid until ${ledger?.expiresAt ?? 'unknown'}`,
        };
  const expiration = ledger?.expiresAt ? Math.floor(Date.parse(ledger.expiresAt) / 1000) : undefined;
  const recorded = {
    valid: ready.ok,
    error: ready.ok ? undefined : ready.message,
    serialNumber: ledger?.serialNumber,
    expiration,
    lastRotation: result.issuedReason ? Math.floor(now.getTime() / 1000) : vps.status?.lastRotation,
    lastGeneration: result.issuedReason ? vps.metadata?.generation : vps.status?.lastGeneration,
    secretMAC: result.secretMAC,
    certificateExpiry: ledger?.expiresAt ? rfc3339(ledger.expiresAt) : undefined,
    nextRotation: act.next ? rfc3339(act.next.toISOString()) : undefined,
    conditions: readyConditions(vps.status?.conditions, ready, vps.metadata?.generation, now),
    lockstep: ledger ? { ledger } : undefined,
  };
  const changed = await patchStatusIfChanged(ctx.status, target, vps.status, recorded);
  ctx.recent.remember(`${KIND}/${key}`, recorded, now);
  if (changed && !ready.ok) ctx.events.warning(involved(KIND, vps), ready.reason, ready.message);
  for (const serial of act.revoked) {
    ctx.events.normal(involved(KIND, vps), 'CertificateRevoked', `revoked superseded certificate ${serial}`);
  }
  if (failure?.transient) throw retryable(result.error, failure);
  if (!ready.ok) {
    ctx.schedule(KIND, key, new Date(now.getTime() + RECHECK_MS));
    return {};
  }
  ctx.schedule(KIND, key, act.next);
  return {};
}

function secretData(vps: VaultPKISecret, issued: { fields: Record<string, unknown>; raw: unknown }) {
  return buildSecretData(
    { fields: pkiSecretFields(issued.fields, vps.spec.destination.type), raw: issued.raw },
    vps.spec.destination.transformation,
    vps.spec.destination,
  );
}

/** Deletion: revoke the certificates (spec.revoke), empty the Secret (spec.clear), then let it go. */
async function finalize(vps: VaultPKISecret, key: string, ctx: PKISecretContext): Promise<ReconcileResult> {
  ctx.schedule(KIND, key, undefined);
  if (!vps.metadata?.finalizers?.includes(VAULT_FINALIZER)) return {};
  const namespace = vps.metadata.namespace ?? '';
  if (vps.spec.revoke) {
    try {
      const session = await openSession(namespace, vps.spec.vaultAuthRef, vps.spec.namespace, ctx);
      const revoked = await revokeAll(vps.status?.lockstep?.ledger, pkiBackend(vps, session, ctx.now));
      if (revoked.length) ctx.events.normal(involved(KIND, vps), 'CertificateRevoked', `revoked ${revoked.join(', ')}`);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.transient) throw retryable(err, failure);
      // The VaultAuth is gone or broken: nothing can be revoked, and the object must not hang forever.
      ctx.events.warning(involved(KIND, vps), 'RevokeFailed', `certificate not revoked on delete: ${failure.message}`);
    }
  }
  if (vps.spec.clear) {
    const secret = await ctx.secretApi.get(namespace, vps.spec.destination.name);
    if (secret && Object.keys(secret.data ?? {}).length > 0) {
      await ctx.secretApi.replace(namespace, vps.spec.destination.name, { ...secret, data: {} });
    }
  }
  await syncFinalizer(vps, false, ctx, statusTarget(KIND, vps), VAULT_FINALIZER);
  return {};
}

async function fail(vps: VaultPKISecret, err: unknown, ctx: PKISecretContext, now: Date): Promise<ReconcileResult> {
  const failure = describeFailure(err);
  const changed = await patchStatusIfChanged(ctx.status, statusTarget(KIND, vps), vps.status, {
    valid: false,
    error: failure.message,
    conditions: readyConditions(
      vps.status?.conditions,
      { ok: false, reason: failure.reason, message: failure.message },
      vps.metadata?.generation,
      now,
    ),
  });
  if (changed) ctx.events.warning(involved(KIND, vps), failure.reason, failure.message);
  if (failure.transient) throw retryable(err, failure);
  return { requeueAfter: RECHECK_MS };
}

function rfc3339(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
