import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LeaseLedger, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import type { TokenLifetime } from './lease-backend.ts';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';
import { executeLeasePlan } from './lease-engine.ts';
import { LeaseScheduler } from './lease-scheduler.ts';
import { FakeLeaseBackend } from './testing/fake-lease-backend.ts';
import { leasePosition, staggeredReissueAt, staggerSeed, tokenStaggerWindow } from './token-stagger.ts';

const T0 = Date.UTC(2026, 0, 1);
const s = (seconds: number) => T0 + seconds * 1000;

describe('token stagger', () => {
  test('leases of an expiring token are re-issued staggered over the window', async () => {
    const clock = new FakeClock(s(0));
    const backend = new FakeLeaseBackend({ clock, ttlSeconds: 3600, tokenAccessor: 'acc-1' });
    const seed = staggerSeed(seededRandom(5));
    const ledgers = new Map<string, LeaseLedger>();
    for (let i = 0; i < 1000; i++) {
      const cred = await backend.issue();
      ledgers.set(`team-${i % 7}/db-${i}`, {
        leaseId: cred.leaseId as string,
        issuedAt: clock.now().toISOString(),
        ttlSeconds: 3600,
        renewable: true,
        expiresAt: new Date(s(3600)).toISOString(),
        tokenAccessor: 'acc-1',
        rotationId: `r${i}`,
        previous: [],
      });
    }
    // The login token (TTL 1 h, not renewable) is replaced at 2/3 of its life.
    const tokens = new Map<string, TokenLifetime>([['acc-1', { accessor: 'acc-1', expiresAt: new Date(s(3600)) }]]);
    const input = (key: string): LeaseDecisionInput => {
      const ledger = ledgers.get(key);
      return {
        ledger,
        now: clock.now(),
        jitter: leasePosition(key, seed),
        hasTargets: false,
        ...(ledger?.tokenAccessor && tokens.has(ledger.tokenAccessor)
          ? { token: tokens.get(ledger.tokenAccessor) }
          : {}),
      };
    };

    const due: string[] = [];
    const scheduler = new LeaseScheduler({ clock, onDue: (key) => due.push(key) });
    const issuedAt: number[] = [];
    const reconcile = async (key: string) => {
      const plan = decideLease(input(key));
      const result = await executeLeasePlan(plan, input(key), {
        backend,
        now: () => clock.now(),
        random: seededRandom(9),
      });
      if (result.issued) {
        assert.equal(result.issued.reason, 'TokenExpiring');
        issuedAt.push(clock.now().getTime());
      }
      if (result.ledger) ledgers.set(key, result.ledger);
      if (result.next) scheduler.reschedule(key, result.next);
    };

    clock.advance(s(2399) - clock.now().getTime());
    for (const key of ledgers.keys()) await reconcile(key);
    assert.equal(issuedAt.length, 0, 'nothing moves while the dying token is still the current one');

    // The TokenManager logs in again (new accessor) and announces the replacement.
    clock.advance(1000);
    backend.tokenAccessor = 'acc-2';
    tokens.set('acc-1', { accessor: 'acc-1', expiresAt: new Date(s(3600)), supersededAt: clock.now() });
    tokens.set('acc-2', { accessor: 'acc-2', expiresAt: new Date(s(7200)) });
    for (const key of ledgers.keys()) scheduler.reschedule(key, clock.now());
    for (let second = 0; second < 1200; second++) {
      clock.advance(second === 0 ? 0 : 1000);
      for (let key = due.shift(); key; key = due.shift()) await reconcile(key);
    }

    assert.equal(issuedAt.length, 1000, 'every lease of the old token was replaced, once');
    const window = tokenStaggerWindow(tokens.get('acc-1') as TokenLifetime) as { start: Date; end: Date };
    assert.deepEqual(window, { start: new Date(s(2400)), end: new Date(s(3000)) });
    assert.ok(
      issuedAt.every((t) => t >= s(2400) && t <= s(3000)),
      'all within the window, before the token dies',
    );
    const perMinute = new Map<number, number>();
    for (const t of issuedAt)
      perMinute.set(Math.floor((t - s(2400)) / 60_000), (perMinute.get(Math.floor((t - s(2400)) / 60_000)) ?? 0) + 1);
    assert.equal(perMinute.size, 10, 'every minute of the window is used');
    assert.ok(Math.max(...perMinute.values()) <= 150, `never a storm: ${[...perMinute.values()]}`);
    assert.ok(Math.min(...perMinute.values()) >= 50);
    for (const ledger of ledgers.values()) assert.equal(ledger.tokenAccessor, 'acc-2');
  });

  test('a lease keeps its slot across reconciles and processes with the same seed', () => {
    const token = { accessor: 'a', expiresAt: new Date(s(1000)), supersededAt: new Date(s(0)) };
    const seed = staggerSeed(seededRandom(1));
    const first = staggeredReissueAt(token, leasePosition('ns/x', seed));
    assert.deepEqual(staggeredReissueAt(token, leasePosition('ns/x', seed)), first);
    assert.notDeepEqual(staggeredReissueAt(token, leasePosition('ns/y', seed)), first);
  });

  test('there is no window while the token is current or never expires', () => {
    assert.equal(tokenStaggerWindow({ accessor: 'a', expiresAt: new Date(s(10)) }), undefined);
    assert.equal(tokenStaggerWindow({ accessor: 'a', expiresAt: undefined, supersededAt: new Date(s(0)) }), undefined);
  });
});
