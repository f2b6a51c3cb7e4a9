// VaultConnection: validate the spec, check Vault's health, and say so in the Ready
// condition. A sealed or unreachable Vault is Ready=False and looked at again with backoff.

import {
  BackendError,
  describeFailure,
  INSECURE_TRANSPORT,
  insecureTransportIsNew,
  parseObjectKey,
  type ReconcileResult,
  withTransportCondition,
} from '@lockstep/core';
import type { VaultConnection } from '../api/vault-connection.ts';
import { insecureTransportWarning } from '../client/transport-security.ts';
import type { ObjectCache } from './object-cache.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget } from './vault-kinds.ts';
import { connectionConfig } from './vault-session.ts';

export interface ConnectionContext extends VaultNativeContext {
  connections: ObjectCache<VaultConnection>;
}

/** A healthy connection is checked again after this long. */
export const HEALTH_RECHECK_MS = 5 * 60_000;

export async function reconcileVaultConnection(key: string, ctx: ConnectionContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const conn = ctx.connections.get(namespace, name);
  if (!conn || conn.metadata?.deletionTimestamp) return {};
  const now = ctx.now();

  // 2. decide + 3. act: there is one thing to do, check it.
  let ready: ReadyState;
  let retry: unknown;
  try {
    const client = ctx.clients.get(await connectionConfig(conn, ctx.kube, undefined, ctx));
    const health = await client.health(ctx.signal ? { signal: ctx.signal } : {});
    ready = health.sealed
      ? { ok: false, reason: 'VaultSealed', message: `Vault at ${conn.spec.address} is sealed` }
      : !health.initialized
        ? { ok: false, reason: 'VaultNotInitialized', message: `Vault at ${conn.spec.address} is not initialized` }
        : { ok: true, reason: 'Healthy', message: `Vault ${health.version} at ${conn.spec.address} is reachable` };
    // Sealed or not initialized: Vault's own state, retried with backoff like an outage.
    if (!ready.ok) retry = new BackendError('Unavailable', 'vault', ready.message);
  } catch (err) {
    const failure = describeFailure(err);
    ready = { ok: false, reason: failure.reason, message: failure.message };
    if (failure.retry) retry = err;
  }

  // 4. record
  const cleartext = insecureTransportWarning(conn.spec.address, 'spec.address');
  const conditions = withTransportCondition(
    readyConditions(conn.status?.conditions, ready, conn.metadata?.generation, now),
    cleartext,
    conn.metadata?.generation,
    now,
  );
  const changed = await patchStatusIfChanged(ctx.status, statusTarget('VaultConnection', conn), conn.status, {
    valid: ready.ok,
    conditions,
  });
  if (changed && !ready.ok) ctx.events.warning(involved('VaultConnection', conn), ready.reason, ready.message);
  if (cleartext && insecureTransportIsNew(conn.status?.conditions, cleartext)) {
    ctx.events.warning(involved('VaultConnection', conn), INSECURE_TRANSPORT, cleartext);
  }
  if (retry !== undefined) throw retry;
  return { requeueAfter: HEALTH_RECHECK_MS };
}
