// Says on the VaultAuth (kubectl describe vaultauth) when a restarted controller could not
// resume the login token it had persisted: revoked or expired in Vault (its leases died with it
// and are re-issued now), or unreadable (the token key Secret replaced, the tokens Secret
// altered: the old token's leases keep working until it expires). Once per identity and process.

import type { EventRecorder } from '@lockstep/core';
import { TOKEN_KEY_SECRET } from '../auth/local-token-cipher.ts';
import { TOKEN_STORE_SECRET } from '../auth/secret-token-store.ts';
import type { TokenManager } from '../auth/token-manager.ts';
import { SeenKeys } from './seen-keys.ts';
import { involved } from './vault-kinds.ts';
import type { VaultSession } from './vault-session.ts';

const reported = new SeenKeys();

export function reportTokenResume(
  session: VaultSession,
  namespace: string,
  manager: Pick<TokenManager, 'resumeOf'>,
  events: EventRecorder,
): void {
  const identity = session.token.identity;
  if (reported.has(identity)) return;
  const resume = manager.resumeOf(identity);
  if (!resume) return;
  reported.add(identity);
  const who = involved('VaultAuth', session.auth);
  if (resume.kind === 'StoredTokenRevoked') {
    events.warning(
      who,
      'LoginTokenRevoked',
      `the persisted login token for namespace "${namespace}" (accessor ${resume.accessor}) was revoked or had expired in Vault: logged in again; the leases it held died with it and are re-issued now`,
    );
  } else if (resume.kind === 'StoredTokenUnreadable') {
    events.warning(
      who,
      'LoginTokenUnreadable',
      `the persisted login token for namespace "${namespace}" could not be opened (${resume.reason}: Secret "${TOKEN_KEY_SECRET}" replaced or Secret "${TOKEN_STORE_SECRET}" altered): logged in again; leases issued with the old token are kept and renewed, and are re-issued only when that token expires`,
    );
  }
}
