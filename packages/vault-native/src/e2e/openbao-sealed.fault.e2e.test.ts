import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultBackoff } from '@lockstep/core';
import { defaultRetryPolicy } from '../client/retry-policy.ts';
import { readyOf, waitFor } from './harness.ts';
import * as fx from './openbao-outage-fixture.ts';

// Issue 12, item 2a: OpenBao sealed (sys/seal) under N live leases (40 by default;
// LOCKSTEP_SEALED_N changes it). While sealed every call answers 503: the controller retries
// each call a bounded number of times with jitter, then its work queue backs off per resource,
// so the request rate stays bounded (no hot loop), counted with the controller's own
// lockstep_provider_requests_total{provider="vault-http"} (OpenBao's metrics are gone while it
// is sealed). After the restart unseals it, renewals resume and nothing is re-issued that was
// not due: no storm.

const N = Number(process.env.LOCKSTEP_SEALED_N ?? 40);
/** 30 s leases renewed at 20–30 %: every lease falls due during a 10 s seal, none comes near expiry. */
const TTL_SECONDS = 30;
const RENEWAL_PERCENT = 20;
const SEAL_MS = 10_000;

/** Most reconciles one key can start within `windowMs` of failures: the queue's backoff doubles from its base, jittered down. */
function reconcilesWithin(windowMs: number): number {
  const shortestFirstStep = defaultBackoff.baseMs * (1 - defaultBackoff.jitter);
  return 1 + Math.floor(Math.log2(windowMs / shortestFirstStep + 1));
}
/** HTTP attempts of one failing call: the first and the client's retries. */
const ATTEMPTS_PER_CALL = 1 + defaultRetryPolicy.maxRetries;

describe(`OpenBao sealed under ${N} live leases`, () => {
  let f: fx.OutageFixture;

  before(async () => {
    f = await fx.startOutageFixture({ n: N, ttlSeconds: TTL_SECONDS, renewalPercent: RENEWAL_PERCENT });
  });
  after(async () => {
    await f?.teardown();
  });

  test('bounded retries while sealed, renewals resume after the unseal, no re-issue storm', {
    timeout: 180_000,
  }, async () => {
    const beforeSeal = await fx.listDynamic(f);
    const leasesBefore = new Map(beforeSeal.map((o) => [fx.keyOf(o), o.status.lockstep.ledger.leaseId as string]));
    const sinceIso = new Date().toISOString();
    const attemptsBefore = await fx.vaultAttempts(f.proc);
    const sealedAt = Date.now();
    const minRemainingMs = Math.min(...beforeSeal.map((o) => fx.remainingMs(o, sealedAt) ?? 0));
    await f.bao.seal();
    let sealedSeen = 0;
    while (Date.now() < sealedAt + SEAL_MS) {
      const objs = await fx.listDynamic(f);
      sealedSeen = Math.max(sealedSeen, objs.filter((o) => /is sealed/.test(readyOf(o)?.message ?? '')).length);
      await sleep(Math.min(1_000, Math.max(0, sealedAt + SEAL_MS - Date.now())));
    }
    // Counted while still sealed: the window is exactly the seal.
    const attemptsDuring = await fx.vaultAttempts(f.proc);
    const windowMs = Date.now() - sealedAt;
    const during = Object.fromEntries(
      Object.entries(attemptsDuring).map(([k, v]) => [k, v - (attemptsBefore[k] ?? 0)]),
    ) as Record<string, number>;

    await f.bao.stop();
    await f.bao.start();
    const readyAt = Date.now();
    const renewedAfter = new Set<string>();
    await waitFor(
      'every lease renewed after the unseal',
      async () => {
        for (const o of await fx.listDynamic(f)) {
          if (o.status?.lockstep?.ledger?.lastRenewedAt && (fx.grantedAtMs(o) ?? 0) > sealedAt)
            renewedAfter.add(fx.keyOf(o));
        }
        return renewedAfter.size >= N;
      },
      60_000,
    );
    const afterUnseal = await fx.listDynamic(f);
    const failures = (await fx.failedReconciles(f.proc)).filter(
      (e) => e.atMs >= sealedAt && e.atMs <= sealedAt + windowMs,
    );
    const perKey = new Map<string, number>();
    for (const e of failures) perKey.set(`${e.controller}/${e.key}`, (perKey.get(`${e.controller}/${e.key}`) ?? 0) + 1);
    const maxPerKey = Math.max(0, ...perKey.values());
    const allowedPerKey = reconcilesWithin(windowMs);
    const attempts = fx.total(during);
    const allowed = ATTEMPTS_PER_CALL * allowedPerKey * perKey.size;
    const reissued = [...leasesBefore].filter(
      ([k, id]) => afterUnseal.find((o) => fx.keyOf(o) === k)?.status?.lockstep?.ledger?.leaseId !== id,
    );
    const writes = Object.fromEntries(fx.secretWritesBy(f.h, f.namespaces, sinceIso));
    const { orphans, lost } = fx.compareLeases(await fx.leasesInOpenBao(f, f.role), afterUnseal);
    const figures = {
      n: N,
      sealedMs: windowMs,
      minRemainingAtSealMs: minRemainingMs,
      sealedConditionsSeen: sealedSeen,
      vaultAttemptsWhileSealed: during,
      attemptsPerSecond: Math.round((attempts / windowMs) * 1000 * 10) / 10,
      attemptsPerResourcePerSecond: Math.round((attempts / (perKey.size || 1) / windowMs) * 1000 * 100) / 100,
      keysRetrying: perKey.size,
      maxFailedReconcilesPerKey: maxPerKey,
      allowedReconcilesPerKey: allowedPerKey,
      allowedAttempts: allowed,
      resumedMs: Date.now() - readyAt,
      reissued: reissued.length,
      secretWrites: writes,
      orphans: orphans.length,
      lost: lost.length,
    };
    console.log(`openbao-sealed figures ${JSON.stringify(figures)}`);

    assert.ok(minRemainingMs > windowMs, 'the seal ends before any lease would expire');
    assert.ok(sealedSeen > 0, 'the resources said Vault is sealed');
    assert.ok(perKey.size >= N / 2, 'most leases fell due and were retried during the seal');
    assert.ok(
      maxPerKey <= allowedPerKey,
      `at most ${allowedPerKey} reconciles per resource in ${windowMs} ms (backoff)`,
    );
    assert.ok(attempts > 0 && attempts <= allowed, `${attempts} HTTP attempts while sealed, at most ${allowed}`);
    assert.equal(during.success ?? 0, 0, 'nothing succeeded while sealed');
    const rejected = await fx.eventsOf(
      f,
      reissued.map(([k]) => k),
      'LeaseRenewalRejected',
    );
    assert.deepEqual(reissued, [], `no re-issue after the unseal: nothing was due (${rejected.join('; ')})`);
    assert.deepEqual(writes, {}, 'no Secret written');
    assert.equal(orphans.length + lost.length, 0, 'OpenBao holds exactly the recorded leases');
    await waitFor('the VaultStaticSecret Ready again', async () => {
      return readyOf(await f.h.getObject('VaultStaticSecret', f.kv.namespace, f.kv.name))?.status === 'True';
    });
  });
});
