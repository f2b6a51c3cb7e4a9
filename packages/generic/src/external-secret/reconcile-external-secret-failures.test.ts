// Unit tests of the ExternalSecret reconciler when something is wrong: a missing store, a
// failing or emptied provider, a Secret that is not ours, a broken template. Each asserts that
// the Secret is kept or left alone and that Ready=False says what to fix — and never a value.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { BackendError, createEventRecorder, describeFailure } from '@lockstep/core';
import { ExternalSecretWorld, externalSecret, NAMESPACE } from './testing/external-secret-world.ts';

const RECHECK_MS = 5 * 60_000;
const dbPassword = { data: [{ secretKey: 'password', remoteRef: { key: 'db-password' } }] };

async function syncedWorld(spec: Record<string, unknown> = {}): Promise<{ w: ExternalSecretWorld; next: number }> {
  const w = new ExternalSecretWorld();
  w.backend.set('db-password', 'hunter2-v1');
  w.apply(externalSecret('db', { ...dbPassword, ...spec }));
  const { requeueAfter } = await w.reconcile('db');
  assert.equal(w.ready('db')?.status, 'True');
  return { w, next: requeueAfter ?? 0 };
}

function foreignSecret(name: string, data: Record<string, string>): V1Secret {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { metadata: { namespace: NAMESPACE, name, labels: { team: 'payments' } }, data: encoded };
}

describe('store and provider failures', () => {
  test('a missing store: Ready=False says which store and what to fix; nothing is written', async () => {
    const w = new ExternalSecretWorld();
    w.apply(externalSecret('db', { ...dbPassword, secretStoreRef: { name: 'vault-prod' } }));
    const result = await w.reconcile('db');
    assert.equal(w.ready('db')?.status, 'False');
    assert.equal(
      w.ready('db')?.message,
      'SecretStore "vault-prod" not found in namespace "apps": create it or fix secretStoreRef',
    );
    assert.deepEqual(result, { requeueAfter: RECHECK_MS }, 'a user error waits, it is not retried with backoff');
    assert.equal(w.secretApi.writes.length, 0);
    assert.deepEqual(w.events.reasons('Warning'), ['SecretSyncedError']);
  });

  test('a transient provider error keeps the Secret and is retried with backoff, then recovers', async () => {
    const { w, next } = await syncedWorld();
    w.backend.failNext(new BackendError('Unavailable', 'memory', 'memory store: connection refused'));
    w.clock.advance(next);
    await assert.rejects(w.reconcile('db'), (err) => err instanceof BackendError && err.errorClass === 'Unavailable');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' }, 'the Secret is kept');
    assert.equal(w.secretApi.writes.length, 1, 'no write, no delete');
    assert.equal(w.ready('db')?.status, 'False');
    assert.match(w.ready('db')?.message ?? '', /connection refused/);
    await w.reconcile('db');
    assert.equal(w.ready('db')?.status, 'True', 'the retry syncs again');
  });

  test('an unexpected error is retried with backoff, and its text stays out of Ready and the Event', async () => {
    const { w, next } = await syncedWorld();
    const raw = new Error('parser choked on "hunter2-v1"');
    w.backend.failNext(raw);
    w.clock.advance(next);
    await assert.rejects(w.reconcile('db'), (err) => err === raw, 'thrown as it is, for the log');
    assert.equal(describeFailure(raw).retry, true, 'the work queue backs it off and runs it again');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' }, 'the Secret is kept');
    assert.equal(w.ready('db')?.reason, 'SecretSyncedError');
    assert.equal(
      w.ready('db')?.message,
      'unexpected error (Error); retrying with backoff, the controller log has the details',
    );
    const said = [w.ready('db')?.message, ...w.events.events.map((e) => e.message)].join('\n');
    assert.doesNotMatch(said, /parser choked|hunter2/);
    await w.reconcile('db');
    assert.equal(w.ready('db')?.status, 'True', 'the retry syncs again');
  });

  test('a conflict writing the Secret is retried with backoff, not left for the next refresh', async () => {
    const { w, next } = await syncedWorld();
    w.backend.set('db-password', 'hunter2-v2');
    w.secretApi.failNext(
      'replace',
      new BackendError('Conflict', 'kubernetes', 'cannot update Secret "db": it was changed concurrently'),
    );
    w.clock.advance(next);
    await assert.rejects(w.reconcile('db'), (err) => err instanceof BackendError && err.errorClass === 'Conflict');
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v2' });
  });

  test('a remote key gone with deletionPolicy Retain keeps the Secret and names the key', async () => {
    const { w, next } = await syncedWorld();
    w.backend.remove('db-password');
    w.clock.advance(next);
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { password: 'hunter2-v1' });
    assert.equal(w.secretApi.writes.length, 1);
    assert.equal(
      w.ready('db')?.message,
      'remote secret not found: db-password; fix the key or set target.deletionPolicy',
    );
  });

  test('a remote key gone with deletionPolicy Delete deletes the Secret once', async () => {
    const { w, next } = await syncedWorld({ target: { deletionPolicy: 'Delete' } });
    w.backend.remove('db-password');
    w.clock.advance(next);
    await w.reconcile('db');
    assert.equal(w.secretApi.peek(NAMESPACE, 'db'), undefined);
    assert.equal(w.secretApi.writesOf('delete').length, 1);
    assert.equal(w.counters.delete, 1);
    assert.equal(w.ready('db')?.reason, 'SecretDeleted');
    assert.ok(w.events.reasons('Normal').includes('SecretDeleted'));
  });
});

describe('Secrets that are not ours', () => {
  test('creationPolicy Merge into a missing Secret creates nothing and says to create it first', async () => {
    const w = new ExternalSecretWorld();
    w.backend.set('db-password', 'hunter2-v1');
    w.apply(externalSecret('db', { ...dbPassword, target: { creationPolicy: 'Merge' } }));
    await w.reconcile('db');
    assert.equal(w.secretApi.writes.length, 0);
    assert.equal(w.ready('db')?.reason, 'SecretMissing');
    assert.match(w.ready('db')?.message ?? '', /create it first or use Owner/);
  });

  test('creationPolicy Merge adds its keys to an existing Secret and keeps the others', async () => {
    const w = new ExternalSecretWorld();
    w.backend.set('db-password', 'hunter2-v1');
    w.secretApi.put(foreignSecret('db', { username: 'app' }));
    w.apply(externalSecret('db', { ...dbPassword, target: { creationPolicy: 'Merge' } }));
    await w.reconcile('db');
    assert.deepEqual(w.secretData('db'), { username: 'app', password: 'hunter2-v1' });
    assert.equal(w.secretApi.peek(NAMESPACE, 'db')?.metadata?.ownerReferences, undefined, 'no ownership taken');
  });

  test('an Owner target that clashes with a Secret not ours is never touched', async () => {
    const w = new ExternalSecretWorld();
    w.backend.set('db-password', 'hunter2-v1');
    w.secretApi.put(foreignSecret('db', { password: 'theirs-value' }));
    w.apply(externalSecret('db', dbPassword));
    await w.reconcile('db');
    assert.equal(w.secretApi.writes.length, 0);
    assert.deepEqual(w.secretData('db'), { password: 'theirs-value' });
    assert.equal(w.ready('db')?.status, 'False');
    assert.match(w.ready('db')?.message ?? '', /delete it, or set target\.creationPolicy to Merge/);
  });
});

describe('spec errors and secret values', () => {
  test('a template that does not parse: Ready=False names it, no write, no backoff retry', async () => {
    const w = new ExternalSecretWorld();
    w.backend.set('db-password', 'hunter2-v1');
    const template = { data: { 'dsn.txt': 'postgres://app:{{ .password @localhost' } };
    w.apply(externalSecret('db', { ...dbPassword, target: { template } }));
    const result = await w.reconcile('db');
    assert.deepEqual(result, { requeueAfter: RECHECK_MS });
    assert.equal(w.secretApi.writes.length, 0);
    assert.equal(w.ready('db')?.status, 'False');
    assert.match(w.ready('db')?.message ?? '', /dsn\.txt/);
  });

  test('secret values never reach a condition or an Event, even when a provider echoes one', async () => {
    const values = ['hunter2-v1', 'hunter2-v2', 'rotated-v3'];
    const { w, next } = await syncedWorld({ rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }] });
    const sent: Array<{ message?: string }> = [];
    w.ctx.events = createEventRecorder({ create: async (_ns, e) => sent.push(e as { message?: string }) }, w.clock);
    const raw = w.events;
    w.backend.set('db-password', 'hunter2-v2');
    w.clock.advance(next);
    await w.reconcile('db'); // rotation and restart
    w.backend.failNext(new BackendError('Unavailable', 'memory', 'upstream said: hunter2-v2 is stale'));
    w.clock.advance(next);
    await w.reconcile('db').catch(() => undefined);
    w.backend.set('db-password', 'rotated-v3');
    w.apply(externalSecret('db', { ...dbPassword, target: { template: { data: { x: '{{ .password' } } } }));
    await w.reconcile('db');
    const conditionMessages = w.status.statusPatches.flatMap((p) =>
      ((p.body.conditions ?? []) as Array<{ message?: string }>).map((c) => c.message ?? ''),
    );
    const seen = [...conditionMessages, ...sent.map((e) => e.message ?? ''), ...raw.events.map((e) => e.message)];
    assert.ok(sent.length >= 3 && conditionMessages.length >= 4, 'the scenario produced messages to scan');
    assert.ok(
      seen.some((m) => m.startsWith('upstream said:')),
      'the echoing error reached the condition (scrubbed)',
    );
    for (const value of values) {
      assert.deepEqual(
        seen.filter((m) => m.includes(value)),
        [],
        `value ${value.slice(0, 3)}… leaked`,
      );
    }
  });
});
