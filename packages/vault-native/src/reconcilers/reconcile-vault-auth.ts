// VaultAuth: validate what can be checked without a consumer (the method block, the
// connection it names and whether that connection allows this namespace). Logging in needs
// the namespace of a resource that uses it (the service account lives there), so logins
// happen per resource. The one exception is storageEncryption: that VaultAuth describes the
// controller's own login, so its transit key is tried here and the result shown in Ready.

import { describeFailure, parseObjectKey, type ReconcileResult, SpecProblem } from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { ObjectCache } from './object-cache.ts';
import { patchStatusIfChanged, type ReadyState, readyConditions } from './status-record.ts';
import { type StorageEncryption, storageEncryptionProblem } from './storage-encryption.ts';
import type { VaultNativeContext } from './vault-context.ts';
import { involved, statusTarget } from './vault-kinds.ts';
import { authMethodOf, selectVaultConnection } from './vault-refs.ts';

export interface AuthContext extends VaultNativeContext {
  auths: ObjectCache<VaultAuth>;
  storageEncryption?: StorageEncryption;
}

/** Sealed and opened once to show that the controller can use the transit key; never stored. */
const PROBE_IDENTITY = 'lockstep/storage-encryption-probe';

export async function reconcileVaultAuth(key: string, ctx: AuthContext): Promise<ReconcileResult> {
  // 1. load
  const { namespace = '', name } = parseObjectKey(key);
  const auth = ctx.auths.get(namespace, name);
  if (!auth || auth.metadata?.deletionTimestamp) return {};
  const now = ctx.now();

  // 2. decide (pure)
  let ready: ReadyState;
  let retry: unknown;
  try {
    authMethodOf(auth);
    const conn = selectVaultConnection(auth, ctx.connections, ctx.controllerNamespace);
    const problem = storageEncryptionProblem(auth, ctx.controllerNamespace, ctx.auths.list(ctx.controllerNamespace));
    if (problem) throw problem;
    ready = {
      ok: true,
      reason: 'Valid',
      message: `method ${auth.spec.method} via VaultConnection "${conn.metadata?.namespace}/${conn.metadata?.name}"`,
    };
    // 3. act: only a storageEncryption VaultAuth has something to try.
    const encryption = auth.spec.storageEncryption;
    if (encryption && ctx.storageEncryption) {
      await probe(ctx.storageEncryption);
      ready.message += `; seals the controller's persisted login tokens with transit key "${encryption.keyName}" of mount "${encryption.mount}"`;
    }
  } catch (err) {
    const failure = describeFailure(err);
    ready = { ok: false, reason: failure.reason, message: failure.message };
    if (failure.retry) retry = err;
  }

  // 4. record
  const changed = await patchStatusIfChanged(ctx.status, statusTarget('VaultAuth', auth), auth.status, {
    valid: ready.ok,
    error: ready.ok ? undefined : ready.message,
    conditions: readyConditions(auth.status?.conditions, ready, auth.metadata?.generation, now),
  });
  if (changed && !ready.ok) ctx.events.warning(involved('VaultAuth', auth), ready.reason, ready.message);
  if (retry !== undefined) throw retry;
  return {};
}

async function probe(storage: StorageEncryption): Promise<void> {
  const cipher = await storage.cipher();
  if (!cipher) return;
  const sealed = await cipher.encrypt(PROBE_IDENTITY, 'probe');
  if ((await cipher.decrypt(PROBE_IDENTITY, sealed)) !== 'probe') {
    throw new SpecProblem(
      'StorageEncryptionFailed',
      `transit answered a ciphertext that does not open again (${cipher.kind}): check the key's type (aes256-gcm96 and friends)`,
    );
  }
}
