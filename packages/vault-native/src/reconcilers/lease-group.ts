// Lease groups in Vault (docs/lease-engine.md, "Crashes"): each issue of a dynamic secret runs
// with a fresh child token of the login token. The child's accessor is written to the
// resource's status before the credential is asked for, and the child itself is kept in the
// login token's cubbyhole, so after a crash between Vault's answer and the status patch the
// next run can revoke the child, and with it the lease nobody recorded.
//
// Why the cubbyhole: it is readable only by the login token and lives exactly as long as it,
// and a child token dies with its parent too. So whenever the cubbyhole is gone, so is the
// child and every lease it created: nothing is left that needs the stored value. It needs no
// grant beyond Vault's default policy (cubbyhole/*, auth/token/revoke-self); creating the child
// needs `update` on `auth/token/create` in the tenant's policy.

import { createHash } from 'node:crypto';
import { BackendError, type PendingIssue } from '@lockstep/core';
import type { GroupOutcome, LeaseBackend, LeaseGroup } from '../lease/lease-backend.ts';
import { SeenKeys } from './seen-keys.ts';
import type { VaultSession } from './vault-session.ts';

/** Login tokens (by accessor) whose policy refused a child token: not asked again. */
const refused = new SeenKeys();

/** Where the child token of `resourceKey`'s current issue is kept, in the login token's cubbyhole. */
export function groupCubbyholePath(resourceKey: string): string {
  return `cubbyhole/lockstep/issuing/${createHash('sha256').update(resourceKey, 'utf8').digest('hex').slice(0, 32)}`;
}

export function vaultLeaseGroups(
  session: VaultSession,
  resourceKey: string,
  now: () => Date,
): Required<Pick<LeaseBackend, 'openGroup' | 'closeGroup'>> {
  const { client } = session;
  // Tokens live in the VaultAuth's namespace, wherever the secret itself is read.
  const tokenOpts = {
    ...(session.auth.spec.namespace ? { namespace: session.auth.spec.namespace } : {}),
    ...(session.opts.signal ? { signal: session.opts.signal } : {}),
  };
  const path = groupCubbyholePath(resourceKey);
  return {
    async openGroup(): Promise<LeaseGroup | undefined> {
      if (refused.has(session.token.accessor())) return undefined;
      try {
        return await session.token.use(async (t) => {
          const parentToken = t.token();
          const parentAccessor = session.token.accessor();
          const res = await client.write(
            'auth/token/create',
            { display_name: 'lockstep-issue', meta: { resource: resourceKey } },
            { token: parentToken, ...tokenOpts },
          );
          const auth = res.auth;
          if (!auth?.clientToken) {
            throw new BackendError('Unavailable', 'vault', 'auth/token/create answered no token');
          }
          await client.write(
            path,
            { token: auth.clientToken, accessor: auth.accessor },
            { token: parentToken, ...tokenOpts },
          );
          const child = auth.clientToken;
          return {
            issuerAccessor: auth.accessor,
            parentAccessor,
            expiresAt: auth.leaseDuration > 0 ? new Date(now().getTime() + auth.leaseDuration * 1000) : undefined,
            token: { token: () => child },
          };
        });
      } catch (err) {
        if (!(err instanceof BackendError && err.errorClass === 'Forbidden')) throw err;
        // The policy allows no child tokens (or no cubbyhole): issue with the login token.
        refused.add(session.token.accessor());
        return undefined;
      }
    },

    async closeGroup(pending: PendingIssue): Promise<GroupOutcome> {
      // Only the login token that created the child can read the cubbyhole that holds it.
      if (pending.parentAccessor !== session.token.accessor()) return 'Unreachable';
      const parentToken = session.token.token();
      let stored: Record<string, unknown> | undefined;
      try {
        stored = (await client.read(path, { token: parentToken, ...tokenOpts })).data;
      } catch (err) {
        if (err instanceof BackendError && err.errorClass === 'NotFound') return 'Unreachable';
        throw err;
      }
      const child = stored?.token;
      // A newer issue's child (never the case while one issue runs at a time): leave it be.
      if (typeof child !== 'string' || stored?.accessor !== pending.issuerAccessor) return 'Unreachable';
      let outcome: GroupOutcome = 'Revoked';
      try {
        // Revokes the child, its leases with it (Vault expires them at once and revokes them).
        await client.revokeSelf(child, tokenOpts);
      } catch (err) {
        // A revoked or expired token is refused: its leases went with it.
        if (!(err instanceof BackendError && err.errorClass === 'Forbidden')) throw err;
        outcome = 'Gone';
      }
      await client.delete(path, { token: parentToken, ...tokenOpts }).catch(() => undefined);
      return outcome;
    },
  };
}
