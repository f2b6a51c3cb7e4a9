import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LeaseLedger, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import type { LeaseBackend, RevokeRef } from './lease-backend.ts';
import { decideLease, type LeaseDecisionInput } from './lease-decision.ts';
import { executeLeasePlan } from './lease-engine.ts';
import { nextPkiRotation, pkiRotationDue } from './pki-rotation.ts';

const T0 = Date.UTC(2026, 0, 1);
const s = (seconds: number) => new Date(T0 + seconds * 1000);

describe('PKI rotation', () => {
  test('PKI re-issues at expiryOffset / 2/3 of lifetime', () => {
    const validity = { notBefore: s(0), notAfter: s(9000) };
    assert.deepEqual(nextPkiRotation(validity), s(6000));
    assert.deepEqual(nextPkiRotation({ ...validity, expiryOffsetSeconds: 600 }), s(8400));
    assert.deepEqual(nextPkiRotation({ ...validity, expiryOffsetSeconds: 99_999 }), s(0), 'clamped to the start');
    assert.equal(pkiRotationDue(validity, s(5999)), false);
    assert.equal(pkiRotationDue(validity, s(6000)), true);

    const ledger: LeaseLedger = {
      serialNumber: '1a:2b',
      issuedAt: s(0).toISOString(),
      ttlSeconds: 9000,
      renewable: false,
      expiresAt: s(9000).toISOString(),
      previous: [],
    };
    const input = (now: Date, expiryOffsetSeconds?: number): LeaseDecisionInput => ({
      ledger,
      now,
      jitter: 0.7,
      hasTargets: false,
      ...(expiryOffsetSeconds ? { expiryOffsetSeconds } : {}),
    });
    assert.deepEqual(decideLease(input(s(10))).action, { kind: 'Wait', until: s(6000) });
    assert.deepEqual(decideLease(input(s(6000))).action, { kind: 'Issue', reason: 'CertificateExpiring' });
    assert.deepEqual(decideLease(input(s(8399), 600)).action, { kind: 'Wait', until: s(8400) });
    assert.deepEqual(decideLease(input(s(8400), 600)).action, { kind: 'Issue', reason: 'CertificateExpiring' });
  });

  test('revokes the previous certificate by serial after the rollout when revoke is set', async () => {
    const clock = new FakeClock(T0);
    const revoked: RevokeRef[] = [];
    let serial = 0;
    const backend: LeaseBackend = {
      issue: async () => {
        serial++;
        return {
          data: { certificate: `cert-${serial}` },
          serialNumber: `00:0${serial}`,
          ttlSeconds: 9000,
          renewable: false,
          notBefore: new Date(clock.now().getTime() - 30_000),
          expiresAt: new Date(clock.now().getTime() + 9_000_000),
        };
      },
      renew: async () => assert.fail('certificates are not renewed'),
      revoke: async (ref) => {
        revoked.push(ref);
      },
    };
    const ctx = { backend, now: () => clock.now(), random: seededRandom(2) };
    const run = async (ledger: LeaseLedger | undefined, rollout?: LeaseDecisionInput['rollout']) => {
      const input: LeaseDecisionInput = {
        ledger,
        now: clock.now(),
        jitter: 0,
        hasTargets: true,
        ...(rollout ? { rollout } : {}),
      };
      return executeLeasePlan(decideLease(input), input, ctx);
    };
    const first = await run(undefined);
    // Rotation at 2/3 of the lifetime, measured from the backdated notBefore.
    assert.deepEqual(first.next, s(-30 + 6020));
    clock.advance(5990 * 1000);
    const second = await run(first.ledger);
    assert.equal(second.issued?.reason, 'CertificateExpiring');
    assert.deepEqual(
      second.ledger?.previous?.map((p) => [p.serialNumber, p.state]),
      [['00:01', 'AwaitingRollout']],
    );
    const rotationId = second.ledger?.rotationId as string;
    await run(second.ledger, { state: 'Progressing', rotationId });
    assert.deepEqual(revoked, []);
    const third = await run(second.ledger, { state: 'Complete', rotationId });
    assert.deepEqual(revoked, [{ serialNumber: '00:01' }]);
    assert.deepEqual(third.ledger?.previous, []);

    // Without `revoke`, superseded certificates are simply let go.
    const keep = await executeLeasePlan(
      decideLease({ ledger: third.ledger, now: s(99_999), jitter: 0, hasTargets: true }),
      { ledger: third.ledger, now: s(99_999), jitter: 0, hasTargets: true },
      { ...ctx, revokeSuperseded: false },
    );
    assert.equal(keep.issued?.reason, 'LeaseExpired');
    assert.deepEqual(keep.ledger?.previous, []);
  });
});
