// What the lease-group guard did, said on the resource (kubectl describe): an interrupted issue
// settled after a crash, or an issue that ran unguarded because the policy allows no child token.

import type { EventRecorder } from '@lockstep/core';
import type { LeaseActResult } from '../lease/lease-engine.ts';
import { SeenKeys } from './seen-keys.ts';
import { involved, type VaultKind, type VaultObject } from './vault-kinds.ts';

/** Unguarded issues are reported once per resource and process: the cause is the policy, not the issue. */
const warnedUnguarded = new SeenKeys();

export function reportIssueGuard(
  kind: VaultKind,
  obj: VaultObject,
  act: Pick<LeaseActResult<unknown>, 'recovered' | 'unguarded'>,
  events: EventRecorder,
): void {
  const who = involved(kind, obj);
  const recovered = act.recovered;
  if (recovered && recovered.recovery.kind === 'RevokeGroup') {
    const { issuerAccessor, parentAccessor, startedAt } = recovered.recovery.pending;
    if (recovered.outcome === 'Unreachable') {
      events.warning(
        who,
        'InterruptedIssueUnreachable',
        `an issue begun at ${startedAt} was not recorded, and its child token ${issuerAccessor} is held by login token ${parentAccessor}, which this controller no longer holds: a lease it created, if any, ends when that login token expires`,
      );
    } else {
      events.normal(
        who,
        'InterruptedIssueRevoked',
        `an issue begun at ${startedAt} was interrupted before it was recorded: its child token ${issuerAccessor} was ${recovered.outcome === 'Revoked' ? 'revoked' : 'already gone'}, with any lease it created`,
      );
    }
  }
  const key = `${kind}/${obj.metadata?.namespace}/${obj.metadata?.name}`;
  if (act.unguarded && !warnedUnguarded.has(key)) {
    warnedUnguarded.add(key);
    events.warning(
      who,
      'IssueUnguarded',
      'the Vault policy does not allow auth/token/create, so credentials are issued with the login token: a crash between an issue and its status record would leave that lease until its TTL ends. Grant update on auth/token/create to close that gap',
    );
  }
}
