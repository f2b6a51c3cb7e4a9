import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { BackendError, seededRandom } from '@lockstep/core';
import { FakeClock } from '@lockstep/core/testing';
import { type ApiServer, ensureNamespace, startApiServer } from '@lockstep/sandbox';
import { LeaderElector, type LeaderElectorOptions } from './leader-elector.ts';
import { type ElectionLock, LeaseLock } from './lease-lock.ts';

const NS = 'lockstep-system';
// Short timings keep the run-loop tests quick; their ratios are client-go's (15 s / 10 s / 2 s).
const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 200 };

let server: ApiServer;
let kc: KubeConfig;
let leaseSeq = 0;

before(async () => {
  server = await startApiServer({ port: 0 });
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  await ensureNamespace(kc, NS);
});
after(() => server.stop());

function freshLock(): LeaseLock {
  return new LeaseLock({ kubeConfig: kc, namespace: NS, name: `lockstep-leader-${++leaseSeq}` });
}

async function readLease(lock: LeaseLock) {
  const [namespace, name] = lock.description.split('/') as [string, string];
  return kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });
}

/** An elector plus what its callbacks saw, in order, tagged with its name. */
function elector(name: string, lock: ElectionLock, log: string[], extra: Partial<LeaderElectorOptions> = {}) {
  let signal: AbortSignal | undefined;
  const e = new LeaderElector({
    lock,
    identity: name,
    ...FAST,
    onStartedLeading: (s) => {
      signal = s;
      log.push(`${name} started`);
    },
    onStoppedLeading: () => log.push(`${name} stopped`),
    ...extra,
  });
  return Object.assign(e, { leadingSignal: () => signal });
}

async function eventually(what: string, check: () => boolean, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A lock whose writes fail while `partitioned`, as when the API server is unreachable from one replica. */
function partitionable(inner: ElectionLock) {
  const state = { partitioned: false };
  const cut = () => {
    if (state.partitioned) throw new BackendError('Unavailable', 'kubernetes', 'connection refused (partitioned)');
  };
  const lock: ElectionLock = {
    description: inner.description,
    get: async () => {
      cut();
      return inner.get();
    },
    create: async (r) => {
      cut();
      return inner.create(r);
    },
    update: async (r, rv) => {
      cut();
      return inner.update(r, rv);
    },
  };
  return Object.assign(lock, { state });
}

describe('leader election on a Lease', () => {
  it('elects exactly one leader among two replicas and writes a client-go style record', async () => {
    const lock = freshLock();
    const log: string[] = [];
    const a = elector('replica-a', lock, log);
    const b = elector('replica-b', lock, log);
    const runs = [a.run(), b.run()];
    await eventually('one replica leads', () => log.length > 0);
    // Several renew periods go by: the standby keeps retrying and never leads.
    for (let i = 0; i < 15; i++) {
      assert.equal([a, b].filter((e) => e.isLeader()).length, 1, `step ${i}: exactly one leader`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const leader = a.isLeader() ? a : b;
    const lease = await readLease(lock);
    assert.equal(lease.spec?.holderIdentity, leader.identity);
    assert.equal(lease.spec?.leaseDurationSeconds, 1);
    assert.equal(lease.spec?.leaseTransitions, 0);
    assert.ok(lease.spec?.acquireTime && lease.spec.renewTime);
    assert.ok(new Date(lease.spec.renewTime).getTime() > new Date(lease.spec.acquireTime).getTime(), 'renewed');
    assert.deepEqual(log, [`${leader.identity} started`]);
    await Promise.all([a.release(), b.release()]);
    await Promise.all(runs);
  });

  it('a standby takes over after the leader stops renewing, and the old leader stops first', async () => {
    const lock = freshLock();
    const log: string[] = [];
    const cutOff = partitionable(lock);
    const old = elector('old-leader', cutOff, log);
    const oldRun = old.run();
    await eventually('the first replica leads', () => old.isLeader());
    const standby = elector('standby', lock, log);
    const standbyRun = standby.run();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(standby.isLeader(), false, 'the standby waits while the leader renews');

    cutOff.state.partitioned = true;
    await eventually('the standby leads', () => standby.isLeader());
    await oldRun; // run() resolves once leadership is lost
    assert.deepEqual(log, ['old-leader started', 'old-leader stopped', 'standby started']);
    assert.equal(old.leadingSignal()?.aborted, true, 'work started under the old leadership is told to stop');
    const lease = await readLease(lock);
    assert.equal(lease.spec?.holderIdentity, 'standby');
    assert.equal(lease.spec?.leaseTransitions, 1);
    await standby.release();
    await standbyRun;
  });

  it('a leader whose API server goes away stops leading after the renew deadline', async () => {
    const own = await startApiServer({ port: 0 });
    const ownKc = new KubeConfig();
    ownKc.loadFromString(own.kubeconfig());
    const log: string[] = [];
    const lonely = elector('lonely', new LeaseLock({ kubeConfig: ownKc, namespace: 'default', name: 'l' }), log);
    const run = lonely.run();
    await eventually('it leads', () => lonely.isLeader());
    await own.stop();
    await run;
    assert.deepEqual(log, ['lonely started', 'lonely stopped']);
    assert.equal(lonely.isLeader(), false);
    assert.equal(lonely.leadingSignal()?.aborted, true);
  });

  it('release hands the lease to a standby at once, without waiting for it to expire', async () => {
    const clock = new FakeClock(new Date('2026-11-01T00:00:00Z'));
    const lock = freshLock();
    const log: string[] = [];
    const leader = elector('leader', lock, log, { clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000 });
    const standby = elector('standby', lock, log, { clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000 });
    assert.equal(await leader.tryAcquireOrRenew(), true);
    assert.equal(await standby.tryAcquireOrRenew(), false);
    await leader.release();
    assert.equal(leader.isLeader(), false);
    const released = await readLease(lock);
    assert.equal(released.spec?.holderIdentity ?? '', '');
    // The fake clock has not moved: only the empty holder lets the standby in.
    assert.equal(await standby.tryAcquireOrRenew(), true);
    assert.equal(standby.isLeader(), true);
    const lease = await readLease(lock);
    assert.equal(lease.spec?.holderIdentity, 'standby');
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.equal(await leader.tryAcquireOrRenew(), false, 'a released elector never takes the lease again');
  });

  it('a running standby takes over right after the leader releases on shutdown', async () => {
    const lock = freshLock();
    const log: string[] = [];
    // A 60 s lease: the standby could not take over by expiry within this test's time limit.
    const slow = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 200 };
    const leader = elector('leader', lock, log, slow);
    const leaderRun = leader.run();
    await eventually('the leader leads', () => leader.isLeader());
    const standby = elector('standby', lock, log, slow);
    const standbyRun = standby.run();
    await new Promise((r) => setTimeout(r, 300));
    await leader.release();
    await leaderRun;
    await eventually('the standby leads', () => standby.isLeader());
    assert.deepEqual(log, ['leader started', 'leader stopped', 'standby started']);
    await standby.release();
    await standbyRun;
  });

  it('never has two leaders when replicas race for the same Lease (409 on the losing write)', async () => {
    const clock = new FakeClock(new Date('2026-11-01T00:00:00Z'));
    const random = seededRandom(7);
    const real = freshLock();
    let conflicts = 0;
    const counting: ElectionLock = {
      description: real.description,
      get: () => real.get(),
      create: (r) => real.create(r).catch(countConflict),
      update: (r, rv) => real.update(r, rv).catch(countConflict),
    };
    function countConflict(err: unknown): never {
      if (err instanceof BackendError && err.errorClass === 'Conflict') conflicts++;
      throw err;
    }
    const electors = ['r0', 'r1', 'r2'].map((n) => elector(n, counting, [], { clock }));
    const leaders = new Set<string>();
    for (let step = 0; step < 60; step++) {
      // Every replica tries in the first step (three creates race); later a random subset
      // tries at once, so the leader sometimes misses renewals and others take over.
      const trying = step === 0 ? electors : electors.filter(() => random.random() < 0.6);
      await Promise.all(trying.map((e) => e.tryAcquireOrRenew()));
      const believers = electors.filter((e) => e.isLeader());
      assert.ok(believers.length <= 1, `step ${step}: ${believers.map((e) => e.identity).join(', ')} all lead`);
      if (believers[0]) {
        leaders.add(believers[0].identity);
        assert.equal((await readLease(real)).spec?.holderIdentity, believers[0].identity, `step ${step}`);
      }
      clock.advance(Math.floor(random.random() * 500));
    }
    assert.ok(conflicts >= 2, `optimistic writes collided (${conflicts} conflicts)`);
    assert.ok(leaders.size >= 2, `leadership moved between replicas (${[...leaders].join(', ')})`);
  });

  it('refuses timings where a leader could still believe it leads after a standby took over', () => {
    const lock = freshLock();
    const callbacks = { onStartedLeading: () => {}, onStoppedLeading: () => {} };
    assert.throws(
      () => new LeaderElector({ lock, ...callbacks, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /lease duration must be longer than the renew deadline/,
    );
    assert.throws(
      () => new LeaderElector({ lock, ...callbacks, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
      /renew deadline must be longer/,
    );
    const e = new LeaderElector({ lock, ...callbacks });
    assert.match(e.identity, /^.+_[0-9a-f-]{36}$/, 'default identity is <hostname>_<uuid>');
  });
});
