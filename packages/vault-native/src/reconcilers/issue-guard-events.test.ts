import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventRecorder } from '@lockstep/core';
import type { ManagedToken, TokenResume } from '../auth/token-manager.ts';
import { reportIssueGuard } from './issue-guard-events.ts';
import { reportTokenResume } from './token-resume-events.ts';
import type { VaultSession } from './vault-session.ts';

function recorder() {
  const said: Array<{ type: string; kind: string; reason: string; message: string }> = [];
  const events: EventRecorder = {
    normal: (obj, reason, message) => said.push({ type: 'Normal', kind: obj.kind, reason, message }),
    warning: (obj, reason, message) => said.push({ type: 'Warning', kind: obj.kind, reason, message }),
  };
  return { said, events };
}

const pending = { issuerAccessor: 'child-7', parentAccessor: 'login-1', startedAt: '2026-01-01T00:00:00.000Z' };
let n = 0;
const vds = () => ({ metadata: { name: `creds-${++n}`, namespace: 'team-a', uid: `u-${n}` } });

/** What a run that settled an interrupted issue says about it. */
function settled(kind: 'RevokeGroup' | 'Clear', outcome: 'Revoked' | 'Unreachable' | 'Cleared') {
  const { said, events } = recorder();
  reportIssueGuard('VaultDynamicSecret', vds(), { recovered: { recovery: { kind, pending }, outcome } }, events);
  return said;
}

describe('what the lease-group guard says on the resource', () => {
  test('an interrupted issue revoked after a crash: one Normal event naming the child token', () => {
    const said = settled('RevokeGroup', 'Revoked');
    assert.equal(said.length, 1);
    assert.equal(said[0]?.reason, 'InterruptedIssueRevoked');
    assert.match(said[0]?.message ?? '', /child-7 was revoked/);
  });

  test('an intent that only needed clearing says nothing', () => {
    const said = settled('Clear', 'Cleared');
    assert.deepEqual(said, []);
  });

  test('a child token out of reach is a warning that says when the lease ends', () => {
    const said = settled('RevokeGroup', 'Unreachable');
    assert.equal(said[0]?.type, 'Warning');
    assert.equal(said[0]?.reason, 'InterruptedIssueUnreachable');
    assert.match(said[0]?.message ?? '', /login token login-1/);
  });

  test('an unguarded issue is reported once per resource, not on every issue', () => {
    const { said, events } = recorder();
    const obj = vds();
    reportIssueGuard('VaultDynamicSecret', obj, { unguarded: true }, events);
    reportIssueGuard('VaultDynamicSecret', obj, { unguarded: true }, events);
    assert.deepEqual(
      said.map((s) => s.reason),
      ['IssueUnguarded'],
    );
    assert.match(said[0]?.message ?? '', /auth\/token\/create/);
  });
});

describe('what a restarted controller says about its persisted login token', () => {
  const session = (identity: string) =>
    ({
      token: { identity } as ManagedToken,
      auth: { metadata: { name: 'default', namespace: 'team-a' }, spec: {} },
    }) as unknown as VaultSession;
  const manager = (resume: TokenResume | undefined) => ({ resumeOf: () => resume });

  test('a revoked token: a warning on the VaultAuth naming its accessor, once per identity', () => {
    const { said, events } = recorder();
    const s = session('id-revoked');
    reportTokenResume(s, 'team-a', manager({ kind: 'StoredTokenRevoked', accessor: 'acc-9' }), events);
    reportTokenResume(s, 'team-a', manager({ kind: 'StoredTokenRevoked', accessor: 'acc-9' }), events);
    assert.equal(said.length, 1);
    assert.equal(said[0]?.kind, 'VaultAuth');
    assert.equal(said[0]?.reason, 'LoginTokenRevoked');
    assert.match(said[0]?.message ?? '', /acc-9.*re-issued now/);
  });

  test('an unreadable token: a warning that nothing is re-issued now', () => {
    const { said, events } = recorder();
    reportTokenResume(
      session('id-unreadable'),
      'team-a',
      manager({ kind: 'StoredTokenUnreadable', reason: 'undecryptable' }),
      events,
    );
    assert.equal(said[0]?.reason, 'LoginTokenUnreadable');
    assert.match(said[0]?.message ?? '', /undecryptable.*re-issued only when that token expires/);
  });

  test('a resumed token, or none stored: nothing to say', () => {
    const { said, events } = recorder();
    reportTokenResume(session('id-adopted'), 'team-a', manager({ kind: 'Adopted' }), events);
    reportTokenResume(session('id-fresh'), 'team-a', manager({ kind: 'NothingStored' }), events);
    assert.deepEqual(said, []);
  });
});
