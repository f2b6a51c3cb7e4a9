// VaultPKISecret in four steps. Load (caches), decide (the lease engine over the ledger in
// status: issue now, or wait until `expiration - expiryOffset`, and which superseded serials
// may be revoked), act (issue, write the Secret, restart targets, revoke after the rollout
// when spec.revoke), record (one status patch; the scheduler wakes it at `nextRotation`).

import {
  describeFailure,
  firstViolation,
  ownershipRefusal,
  type ReconcileResult,
  SpecProblem,
  secretOwnership,
} from '@lockstep/core';
import { PKI_CLEAR_RULES, type VaultPKISecret } from '../api/vault-pki-secret.ts';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import { checkDestinationSpec } from './destination.ts';
import { type LeasedSyncResult, syncLeased } from './leased-sync.ts';
import type { ObjectCache } from './object-cache.ts';
import { pkiBackend, pkiSecretFields } from './pki-backend.ts';
import { finalizeLeased, leasedReady, loadLeased, recordFailure, recordLeased, rfc3339 } from './reconcile-steps.ts';
import { buildSecretData, durationSeconds, type SourceData } from './secret-data.ts';
import { keptReadyReason } from './status-record.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved } from './vault-kinds.ts';
import type { VaultSession } from './vault-session.ts';

export interface PKISecretContext extends VaultNativeContext {
  pkiSecrets: ObjectCache<VaultPKISecret>;
  /** The lease engine's backend (default: `pkiBackend`, Vault through the session). Unit tests put a fake here. */
  pkiBackend?(vps: VaultPKISecret, session: VaultSession, now: () => Date): LeaseBackend<SourceData>;
}

const KIND = 'VaultPKISecret';
const REVOKED = { reason: 'CertificateRevoked', noun: 'certificate' } as const;

export async function reconcileVaultPKISecret(key: string, ctx: PKISecretContext): Promise<ReconcileResult> {
  // 1. load
  const loaded = loadLeased(KIND, key, ctx.pkiSecrets, ctx);
  if (!loaded) return {};
  const { obj: vps, now } = loaded;
  if (vps.metadata?.deletionTimestamp) return finalize(vps, key, ctx);

  // 2. decide: the spec's own checks; the lease engine decides the rest inside syncLeased.
  let expiryOffsetSeconds: number | undefined;
  try {
    checkDestinationSpec(vps.spec.destination);
    const clearProblem = firstViolation(PKI_CLEAR_RULES, vps.spec);
    if (clearProblem) throw new SpecProblem('InvalidSpec', clearProblem);
    durationSeconds(vps.spec.ttl, 'spec.ttl');
    expiryOffsetSeconds = durationSeconds(vps.spec.expiryOffset, 'spec.expiryOffset');
    if (!vps.spec.commonName)
      throw new SpecProblem('InvalidSpec', "spec.commonName is required: set the certificate's common name");
    secretData(vps, { fields: {}, raw: {} });
  } catch (err) {
    return fail(vps, err, ctx, now);
  }

  // 3. act
  let result: LeasedSyncResult;
  try {
    result = await syncLeased(
      {
        kind: KIND,
        key,
        obj: vps,
        finalizer: vps.spec.revoke || vps.spec.clear,
        backend: (session) => (ctx.pkiBackend ?? pkiBackend)(vps, session, ctx.now),
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
  const ledger = result.act.ledger;
  const ready = leasedReady(result, {
    ok: true,
    reason: result.issuedReason ?? keptReadyReason(vps.status?.conditions, 'CertificateValid'),
    message: `certificate ${ledger?.serialNumber ?? ''} valid until ${ledger?.expiresAt ?? 'unknown'}`,
  });
  const status = {
    valid: ready.ok,
    error: ready.ok ? undefined : ready.message,
    serialNumber: ledger?.serialNumber,
    expiration: ledger?.expiresAt ? Math.floor(Date.parse(ledger.expiresAt) / 1000) : undefined,
    lastRotation: result.issuedReason ? Math.floor(now.getTime() / 1000) : vps.status?.lastRotation,
    certificateExpiry: ledger?.expiresAt ? rfc3339(ledger.expiresAt) : undefined,
  };
  return recordLeased({ kind: KIND, key, obj: vps, now, result, ready, revoked: REVOKED, status }, ctx);
}

function secretData(vps: VaultPKISecret, issued: { fields: Record<string, unknown>; raw: unknown }) {
  return buildSecretData(
    { fields: pkiSecretFields(issued.fields, vps.spec.destination.type), raw: issued.raw },
    vps.spec.destination.transformation,
    vps.spec.destination,
  );
}

/** Deletion: revoke the certificates (spec.revoke), empty the Secret (spec.clear), then let it go. */
function finalize(vps: VaultPKISecret, key: string, ctx: PKISecretContext): Promise<ReconcileResult> {
  const namespace = vps.metadata?.namespace ?? '';
  const destination = vps.spec.destination.name;
  return finalizeLeased(
    {
      kind: KIND,
      key,
      obj: vps,
      revoke: vps.spec.revoke,
      backend: (session: VaultSession) => (ctx.pkiBackend ?? pkiBackend)(vps, session, ctx.now),
      revoked: REVOKED,
      async cleanup() {
        if (!vps.spec.clear) return;
        const secret = await ctx.secretApi.get(namespace, destination);
        // Only a Secret created for this very VaultPKISecret is emptied (the finalizer was added
        // before anything was checked, so this is where it must hold).
        const ownership = secretOwnership(secret, vps.metadata?.uid ?? '');
        if (secret && ownership.state !== 'Ours') {
          ctx.events.warning(
            involved(KIND, vps),
            'ClearSkipped',
            `spec.clear left the Secret as it is: ${ownershipRefusal(destination, ownership, KIND)}`,
          );
          return;
        }
        if (!secret || Object.values(secret.data ?? {}).every((v) => v === '')) return;
        try {
          await ctx.secretApi.replace(namespace, destination, { ...secret, data: emptied(secret.type) });
        } catch (err) {
          // A Secret the API server refuses to empty must not keep the resource from going.
          const failure = describeFailure(err);
          if (failure.retry) throw err;
          ctx.events.warning(involved(KIND, vps), 'ClearFailed', `spec.clear: ${failure.message}`);
        }
      },
    },
    ctx,
  );
}

/** The API server requires `tls.crt` and `tls.key` in a kubernetes.io/tls Secret: they stay, empty. */
function emptied(type: string | undefined): Record<string, string> {
  return type === 'kubernetes.io/tls' ? { 'tls.crt': '', 'tls.key': '' } : {};
}

/** VSO's `valid` and `error` say the same as Ready=False. */
function fail(vps: VaultPKISecret, err: unknown, ctx: PKISecretContext, now: Date): Promise<ReconcileResult> {
  return recordFailure(KIND, vps, err, ctx, now, { fields: (f) => ({ valid: false, error: f.message }) });
}
