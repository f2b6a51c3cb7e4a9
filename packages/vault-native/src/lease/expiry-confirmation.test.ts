import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LeaseLedger, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';
import { executeLeasePlan } from './lease-engine.ts';
import { FakeGroupBackend } from './testing/fake-group-backend.ts';

const T0 = Date.UTC(2026, 0, 1);
const seconds = (s: number) => s * 1000;

// A crash between a renewal and the status patch that records it leaves a ledger whose expiry
// is older than Vault's. The engine asks Vault before it believes "expired".
function setup() {
  const clock = new FakeClock(T0);
  const backend = new FakeGroupBackend({ clock, ttlSeconds: 60, maxTtlSeconds: 600 });
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null)) ?? undefined;
  const run = async (ledger: LeaseLedger | undefined) => {
    const input: LeaseDecisionInput = { ledger, now: clock.now(), jitter: 0, hasTargets: false, graceSeconds: 300 };
    const plan = decideLease(input);
    const result = await executeLeasePlan(plan, input, { backend, now: () => clock.now(), random: seededRandom(1) });
    return { plan, result, ledger: json(result.ledger) };
  };
  return { clock, backend, run };
}

describe('the engine confirms "expired" with Vault', () => {
  test('a renewal whose record was lost: no re-issue, the lease is renewed at its time', async () => {
    const { clock, backend, run } = setup();
    const ledger = (await run(undefined)).ledger as LeaseLedger;
    const leaseId = ledger.leaseId as string;
    clock.advance(seconds(41));
    // The renewal reached Vault (now expires at 101 s); the process died before recording it.
    await backend.renew(leaseId, 60);
    clock.advance(seconds(24)); // 65 s: past the ledger's expiry (60 s), before Vault's
    const next = await run(ledger);
    assert.equal(next.result.issued, undefined, 'nothing re-issued');
    assert.ok(backend.calls.includes(`lookup:${leaseId}`), 'Vault was asked');
    assert.equal(next.ledger?.expiresAt, new Date(T0 + seconds(101)).toISOString(), "Vault's expiry recorded");
    clock.advance((next.result.next?.getTime() ?? 0) - clock.now().getTime());
    const renewed = await run(next.ledger);
    assert.ok(renewed.result.renewed, 'renewed, still the same lease');
    assert.equal(backend.issued.length, 1);
  });

  test('a lease Vault no longer holds is re-issued as LeaseExpired', async () => {
    const { clock, backend, run } = setup();
    const { ledger } = await run(undefined);
    clock.advance(seconds(61));
    const next = await run(ledger);
    assert.equal(next.result.issued?.reason, 'LeaseExpired');
    assert.equal(backend.issued.length, 2);
  });

  /** Issues, then rotates at 41 s (not renewable): the first lease awaits its 300 s grace. */
  async function rotated() {
    const s = setup();
    const first = (await s.run(undefined)).ledger as LeaseLedger;
    s.clock.advance(seconds(41));
    const ledger = (await s.run({ ...first, renewable: false })).ledger as LeaseLedger;
    assert.equal(ledger.previous?.[0]?.leaseId, first.leaseId);
    return { ...s, ledger, first: first.leaseId as string };
  }

  test('a superseded lease Vault still holds is kept with Vault expiry and revoked after its grace', async () => {
    const { clock, backend, run, ledger, first } = await rotated();
    // Its last renewal was lost: the ledger says it expires at 60 s, Vault at 600 s.
    await backend.renew(first, 600);
    clock.advance(seconds(20));
    const kept = await run(ledger);
    assert.deepEqual(kept.result.dropped, []);
    assert.equal(kept.ledger?.previous?.[0]?.expiresAt, new Date(T0 + seconds(600)).toISOString());
    clock.advance(seconds(281));
    const revoked = await run(kept.ledger);
    assert.deepEqual(revoked.result.revoked, [first]);
    assert.ok(!backend.isValid(first));
  });

  test('a superseded lease that really expired is dropped', async () => {
    const { clock, run, ledger, first } = await rotated();
    clock.advance(seconds(20));
    const next = await run(ledger);
    assert.deepEqual(next.result.dropped, [first]);
  });
});
