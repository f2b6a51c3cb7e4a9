// VSO's `VaultAuth.spec.storageEncryption`: the transit key that seals the controller's persisted
// login tokens. Only a VaultAuth in the controller namespace may set it (it describes how the
// CONTROLLER logs in, with its own service account, to reach transit), and only one may: two
// would leave the key ambiguous. docs/token-persistence.md has the trade-offs.

import { BackendError, type KubeAccess, SpecProblem } from '@lockstep/core';
import type { VaultAuth } from '../api/vault-auth.ts';
import type { VaultConnection } from '../api/vault-connection.ts';
import type { LoginTarget } from '../auth/login-target.ts';
import type { TokenCipher } from '../auth/token-cipher.ts';
import type { ManagedToken, TokenManager } from '../auth/token-manager.ts';
import { TransitTokenCipher } from '../auth/transit-token-cipher.ts';
import type { TransportPolicy } from '../client/transport-security.ts';
import type { VaultClientPool } from '../client/vault-client-pool.ts';
import type { ObjectCache } from './object-cache.ts';
import { authMethodOf, selectVaultConnection } from './vault-refs.ts';
import { connectionConfig } from './vault-session.ts';

/** What `auth`'s storageEncryption is not allowed to be, as a condition; undefined when it is fine. */
export function storageEncryptionProblem(
  auth: VaultAuth,
  controllerNamespace: string,
  siblings: readonly VaultAuth[],
): SpecProblem | undefined {
  if (!auth.spec.storageEncryption) return undefined;
  const name = `VaultAuth "${auth.metadata?.namespace}/${auth.metadata?.name}"`;
  if (auth.metadata?.namespace !== controllerNamespace) {
    return new SpecProblem(
      'StorageEncryptionNotAllowed',
      `${name}: spec.storageEncryption seals the controller's own persisted login tokens, so only a VaultAuth in the controller namespace "${controllerNamespace}" may set it: remove it`,
    );
  }
  const others = configured(siblings, controllerNamespace).filter((a) => a.metadata?.name !== auth.metadata?.name);
  if (others.length > 0) {
    return new SpecProblem(
      'StorageEncryptionAmbiguous',
      `${name}: VaultAuth ${others.map((a) => `"${a.metadata?.name}"`).join(', ')} in "${controllerNamespace}" also sets spec.storageEncryption; keep it on exactly one (until then no login token is saved)`,
    );
  }
  return undefined;
}

function configured(auths: readonly VaultAuth[], controllerNamespace: string): VaultAuth[] {
  return auths.filter(
    (a) => a.metadata?.namespace === controllerNamespace && a.spec?.storageEncryption && !a.metadata?.deletionTimestamp,
  );
}

export interface StorageEncryptionDeps extends TransportPolicy {
  auths: ObjectCache<VaultAuth> & { hasSynced(): boolean; waitForSync(signal?: AbortSignal): Promise<void> };
  connections: ObjectCache<VaultConnection>;
  kube: KubeAccess;
  clients: VaultClientPool;
  /** The controller's own logins (in memory: the token that guards the store cannot live in it). */
  tokens: TokenManager;
  controllerNamespace: string;
}

/** How long a save or load waits for the VaultAuth cache at start-up. */
const SYNC_WAIT_MS = 30_000;

interface Built {
  key: string;
  cipher?: Promise<TokenCipher>;
  token?: ManagedToken;
}

export class StorageEncryption {
  readonly #deps: StorageEncryptionDeps;
  #built: Built | undefined;

  constructor(deps: StorageEncryptionDeps) {
    this.#deps = deps;
  }

  /**
   * The transit cipher the one storage-encryption VaultAuth describes; undefined when no VaultAuth
   * sets storageEncryption. Throws (so a save fails and a load is retried, never silently sealed
   * with the local key) while the caches are not synced, or when the configuration is invalid.
   */
  async cipher(): Promise<TokenCipher | undefined> {
    const { auths, controllerNamespace } = this.#deps;
    if (!auths.hasSynced()) {
      // The first saves come right after start-up: wait for the cache rather than drop them.
      await auths.waitForSync(AbortSignal.timeout(SYNC_WAIT_MS)).catch(() => {
        throw new BackendError('Unavailable', 'lockstep', 'the VaultAuth cache is not synced yet (storageEncryption)');
      });
    }
    const candidates = configured(auths.list(controllerNamespace), controllerNamespace);
    if (candidates.length === 0) {
      this.#drop();
      return undefined;
    }
    const auth = candidates[0] as VaultAuth;
    const problem = storageEncryptionProblem(auth, controllerNamespace, candidates);
    if (problem) throw problem;
    const connection = selectVaultConnection(auth, this.#deps.connections, controllerNamespace);
    const key = [auth, connection].map((o) => `${o.metadata?.uid}@${o.metadata?.resourceVersion}`).join('|');
    let built = this.#built;
    if (built?.key !== key || !built.cipher) {
      this.#drop();
      const fresh: Built = { key };
      this.#built = fresh;
      fresh.cipher = this.#build(auth, connection, fresh);
      // A failed build is not kept: the next save or load tries again.
      fresh.cipher.catch(() => {
        if (this.#built === fresh) this.#built = undefined;
      });
      built = fresh;
    }
    return built.cipher;
  }

  /** Releases the controller's own transit login (revokes nothing). */
  stop(): void {
    this.#drop();
  }

  async #build(auth: VaultAuth, connection: VaultConnection, built: Built): Promise<TokenCipher> {
    const encryption = auth.spec.storageEncryption as { mount: string; keyName: string };
    const deps = this.#deps;
    const client = deps.clients.get(await connectionConfig(connection, deps.kube, auth.spec.headers, deps));
    const target: LoginTarget = {
      client,
      kube: deps.kube,
      // The controller logs in as itself: its service account lives in the controller namespace.
      namespace: deps.controllerNamespace,
      ...(auth.spec.namespace ? { vaultNamespace: auth.spec.namespace } : {}),
      method: authMethodOf(auth),
    };
    const token = await deps.tokens.acquire(target);
    if (this.#built !== built) {
      token.release();
      throw new BackendError('Unavailable', 'lockstep', 'the storageEncryption VaultAuth changed; try again');
    }
    built.token = token;
    return new TransitTokenCipher({
      client,
      token,
      key: encryption.keyName,
      mount: encryption.mount,
      ...(auth.spec.namespace ? { namespace: auth.spec.namespace } : {}),
    });
  }

  #drop(): void {
    this.#built?.token?.release();
    this.#built = undefined;
  }
}
