// Everything a Vault-native reconciler is handed, as in-memory fakes of our own interfaces:
// the API server (Secrets, status patches, events, rollouts), the login, a manual clock, and
// the scheduler's wake-ups. A test builds one world, runs the reconciler, moves the clock and
// reads back what a user would see. Tests only.

import type { V1Secret } from '@kubernetes/client-node';
import { MANAGED_LABEL, seededRandom } from '@lockstep/core';
import { FakeClock, InMemorySecretApi, InMemoryStatusPatcher, RecordingEvents } from '@lockstep/core/testing';
import type { ObjectCache } from '../object-cache.ts';
import { RecentStatus } from '../recent-status.ts';
import type { VaultNativeContext } from '../vault-context.ts';
import type { VaultKind } from '../vault-kinds.ts';
import { type FakeLogin, fakeSessionDeps } from './fake-session.ts';
import { RecordingRollout } from './recording-rollout.ts';

export const NAMESPACE = 'team-a';

export interface VaultWorld {
  ctx: VaultNativeContext;
  clock: FakeClock;
  secretApi: InMemorySecretApi;
  status: InMemoryStatusPatcher;
  events: RecordingEvents;
  rollout: RecordingRollout;
  login: FakeLogin;
  /** The last wake-up the reconciler asked the scheduler for, per `kind/key`. */
  wakeUps: Map<string, Date | undefined>;
  /** What the metrics hooks counted. */
  counted: { secretWrites: string[]; rolloutRestarts: number; renewals: string[] };
  /** The destination's data, decoded. */
  secretData(name: string): Record<string, string> | undefined;
  /** Somebody edits one key of Secret `name` by hand (`kubectl edit`). */
  editSecret(name: string, key: string, value: string): void;
  /** Puts Secret `name` holding `key: theirs`, controlled by another resource (`Kind/name`). */
  putSecretOwnedBy(name: string, owner: string, key: string): void;
  /** All a user can read about the resource: every status and metadata patch and event, as text. */
  visibleText(): string;
}

export function vaultWorld(): VaultWorld {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const secretApi = new InMemorySecretApi();
  const status = new InMemoryStatusPatcher();
  const events = new RecordingEvents();
  const rollout = new RecordingRollout();
  const { deps, login } = fakeSessionDeps(NAMESPACE);
  const wakeUps = new Map<string, Date | undefined>();
  const counted = { secretWrites: [] as string[], rolloutRestarts: 0, renewals: [] as string[] };
  // The informer sees Secrets carrying the managed label, as the label-filtered one does.
  const secrets: ObjectCache<V1Secret> = {
    get(namespace, name) {
      const secret = secretApi.peek(namespace ?? '', name);
      return secret?.metadata?.labels?.[MANAGED_LABEL] === 'true' ? secret : undefined;
    },
    list: () => [],
  };
  const ctx: VaultNativeContext = {
    ...deps,
    secrets,
    secretApi,
    status,
    events,
    rollout,
    macKey: new TextEncoder().encode('unit-test-mac-key-32-bytes-long!'),
    now: () => clock.now(),
    random: seededRandom(7),
    schedule: (kind: VaultKind, key: string, at: Date | undefined) => wakeUps.set(`${kind}/${key}`, at),
    // No jitter: renewals fall exactly at renewalPercent of the lease.
    position: () => 0,
    recent: new RecentStatus(),
    onSecretWrite: (_kind, operation) => counted.secretWrites.push(operation),
    onRolloutRestart: () => {
      counted.rolloutRestarts++;
    },
    onLeaseRenewal: (result) => counted.renewals.push(result),
  };
  return {
    ctx,
    clock,
    secretApi,
    status,
    events,
    rollout,
    login,
    wakeUps,
    counted,
    secretData(name) {
      const data = secretApi.peek(NAMESPACE, name)?.data;
      if (!data) return undefined;
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
    editSecret(name, key, value) {
      const secret = secretApi.peek(NAMESPACE, name);
      if (!secret) throw new Error(`no Secret ${name} to edit`);
      secretApi.put({ ...secret, data: { ...secret.data, [key]: Buffer.from(value).toString('base64') } });
    },
    putSecretOwnedBy(name, owner, key) {
      const [kind = '', ownerName = ''] = owner.split('/');
      secretApi.put({
        metadata: {
          name,
          namespace: NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind, name: ownerName, uid: `uid-${ownerName}`, controller: true }],
        },
        data: { [key]: Buffer.from('theirs').toString('base64') },
      });
    },
    visibleText: () =>
      JSON.stringify([status.statusPatches, status.metadataPatches, events.events.map((e) => e.message)]),
  };
}

/** The Ready condition of a status, if any. */
export function readyOf(status: { conditions?: unknown } | undefined) {
  const conditions = (status?.conditions ?? []) as Array<{
    type: string;
    status: string;
    reason: string;
    message: string;
  }>;
  return conditions.find((c) => c.type === 'Ready');
}
