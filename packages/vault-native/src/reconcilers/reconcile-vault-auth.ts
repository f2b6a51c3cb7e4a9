// VaultAuth: validate what can be checked without a consumer (the method block, the
// connection it names, allowedNamespaces syntax). Logging in needs the namespace of a
// resource that uses it (the service account lives there), so logins happen per resource.

import { parseObjectKey, type ReconcileResult } from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { ObjectCache } from './object-cache.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import { describeFailure } from './sync-failure.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget } from './vault-kinds.ts';
import { authMethodOf, selectVaultConnection } from './vault-refs.ts';

export interface AuthContext extends VaultNativeContext {
  auths: ObjectCache<VaultAuth>;
}

export async function reconcileVaultAuth(key: string, ctx: AuthContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const auth = ctx.auths.get(namespace, name);
  if (!auth || auth.metadata?.deletionTimestamp) return {};
  const now = ctx.now();

  // 2. decide (pure)
  let ready: ReadyState;
  try {
    authMethodOf(auth);
    const conn = selectVaultConnection(auth, ctx.connections, ctx.controllerNamespace);
    ready = {
      ok: true,
      reason: 'Valid',
      message: `method ${auth.spec.method} via VaultConnection "${conn.metadata?.namespace}/${conn.metadata?.name}"`,
    };
  } catch (err) {
    const failure = describeFailure(err);
    ready = { ok: false, reason: failure.reason, message: failure.message };
  }

  // 3. act: nothing to call. 4. record
  const changed = await patchStatusIfChanged(ctx.status, statusTarget('VaultAuth', auth), auth.status, {
    valid: ready.ok,
    error: ready.ok ? undefined : ready.message,
    conditions: readyConditions(auth.status?.conditions, ready, auth.metadata?.generation, now),
  });
  if (changed && !ready.ok) ctx.events.warning(involved('VaultAuth', auth), ready.reason, ready.message);
  return {};
}
