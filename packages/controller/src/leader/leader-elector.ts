// Leader election with client-go's semantics on an ElectionLock (a Lease):
// - a candidate takes the lease when it does not exist, when its holder released it
//   (empty holderIdentity), or when the record has not changed for leaseDuration as
//   measured on the candidate's own clock since it first saw that record (so clock skew
//   between replicas does not matter, only clock rate);
// - the leader renews every retryPeriod and stops believing it leads when no renewal has
//   succeeded for renewDeadline, which is shorter than leaseDuration: its belief always
//   ends before any standby may take over;
// - every write is optimistic (resourceVersion), so two candidates racing for the same
//   record get one success and one 409;
// - standbys keep retrying (hot standby); `release()` empties holderIdentity so a standby
//   takes over at its next retry instead of waiting for the lease to expire.
// A leader that lost the lease should exit so it restarts clean: its informers and queues
// may hold work it must no longer do.

import { hostname } from 'node:os';
import {
  BackendError,
  type Clock,
  type Logger,
  type Random,
  realClock,
  systemRandom,
  type Timer,
} from '@lockstep/core';
import type { ElectionLock, LeaderElectionRecord, ObservedLease } from './lease-lock.ts';

/** The Lease the controller elects on, in its own namespace; the Helm chart's Role names it. */
export const LEADER_LEASE_NAME = 'lockstep-leader';

export const LEADER_ELECTION_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;

/** client-go waits retryPeriod × [1, 1.2) between acquisition attempts. */
const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /** Called once this replica leads; `signal` aborts when it stops leading (lost or released). */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when a replica that led stops leading, whatever the cause. */
  onStoppedLeading(): void;
  /** Called when the observed holder changes (including to this replica); for logs. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions extends LeaderCallbacks {
  lock: ElectionLock;
  /** Unique per replica; defaults to `<hostname>_<random>` like client-go. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  random?: Random;
  log?: Logger;
}

export class LeaderElector {
  readonly identity: string;
  readonly #lock: ElectionLock;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #log: Logger | undefined;
  readonly #callbacks: LeaderCallbacks;

  /** The last record seen and when (this replica's clock) it was first seen. */
  #observed: (ObservedLease & { atMs: number }) | undefined;
  /** When this replica last wrote the lease as its holder. */
  #lastRenewMs: number | undefined;
  /** Set by release() or by losing the lease: no more writes, no more belief. */
  #stopped = false;
  readonly #stopping = new AbortController();
  #leading: AbortController | undefined;
  #deadline: Timer | undefined;
  #attempt: Promise<boolean> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.identity = options.identity || `${hostname()}_${crypto.randomUUID()}`;
    this.#lock = options.lock;
    this.#leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.#retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? systemRandom;
    this.#log = options.log;
    this.#callbacks = options;
    // The same checks as client-go's NewLeaderElector: they are what make two leaders impossible.
    if (this.#leaseDurationMs <= this.#renewDeadlineMs)
      throw new Error('leader election: the lease duration must be longer than the renew deadline');
    if (this.#renewDeadlineMs <= JITTER_FACTOR * this.#retryPeriodMs)
      throw new Error('leader election: the renew deadline must be longer than 1.2 × the retry period');
    if (this.#retryPeriodMs <= 0) throw new Error('leader election: the retry period must be positive');
  }

  /** True while this replica holds the lease and its last renewal is within the renew deadline. */
  isLeader(): boolean {
    return (
      !this.#stopped &&
      this.#lastRenewMs !== undefined &&
      this.#clock.now().getTime() - this.#lastRenewMs < this.#renewDeadlineMs
    );
  }

  /** The holder this replica saw last ('' when released or unknown). */
  get observedLeader(): string {
    return this.#observed?.record.holderIdentity ?? '';
  }

  /**
   * Waits for the lease (hot standby: retries every retryPeriod), leads until the lease is
   * lost or released, then resolves. An elector runs once: a replica that lost the lease
   * should exit and start over.
   */
  async run(): Promise<void> {
    if (this.#stopped) return;
    while (!(await this.tryAcquireOrRenew())) {
      const wait = this.#retryPeriodMs * (1 + (JITTER_FACTOR - 1) * this.#random.random());
      try {
        await this.#clock.sleep(wait, this.#stopping.signal);
      } catch {
        return;
      }
    }
    if (this.#stopped) return;
    const leading = new AbortController();
    this.#leading = leading;
    this.#armDeadline();
    this.#log?.info({ lease: this.#lock.description, identity: this.identity }, 'became leader');
    Promise.resolve()
      .then(() => this.#callbacks.onStartedLeading(leading.signal))
      .catch((err: Error) => this.#log?.error({ err }, 'onStartedLeading failed'));
    while (!leading.signal.aborted) {
      try {
        await this.#clock.sleep(this.#retryPeriodMs, leading.signal);
      } catch {
        break;
      }
      if (await this.tryAcquireOrRenew()) this.#armDeadline();
    }
  }

  /**
   * Stops the elector. A standby stops retrying; a leader stops leading (its callbacks run
   * first) and empties holderIdentity so a standby takes over at its next retry. Call it
   * after the work that needed the lease has drained. Errors are logged, not thrown: the
   * lease then simply expires.
   */
  async release(): Promise<void> {
    this.#stop('released');
    // A write in flight may still land as holder: let it finish, then hand over what it wrote.
    await this.#attempt;
    if (this.#observed?.record.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      // client-go writes 1 s so clients that ignore an empty holder still see it expire at once.
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.#observed.record.leaseTransitions,
    };
    try {
      this.#observed = { ...(await this.#lock.update(record, this.#observed.resourceVersion)), atMs: now.getTime() };
      this.#log?.info({ lease: this.#lock.description, identity: this.identity }, 'released the leader lease');
    } catch (err) {
      this.#log?.warn({ err, lease: this.#lock.description }, 'could not release the leader lease; it will expire');
    }
  }

  /**
   * One acquire-or-renew attempt (client-go's tryAcquireOrRenew). True when this replica
   * holds the lease afterwards. `run()` calls it in a loop; tests call it step by step.
   */
  tryAcquireOrRenew(): Promise<boolean> {
    const attempt = this.#tryAcquireOrRenew().catch((err: unknown) => {
      if (!(err instanceof BackendError && err.errorClass === 'Conflict'))
        this.#log?.warn({ err, lease: this.#lock.description }, 'leader election attempt failed');
      return false;
    });
    this.#attempt = attempt;
    return attempt;
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    if (this.#stopped) return false;
    const current = await this.#lock.get();
    const now = this.#clock.now();
    const nowMs = now.getTime();
    const durationSeconds = Math.max(1, Math.ceil(this.#leaseDurationMs / 1000));
    if (!current) {
      if (this.#stopped) return false;
      const record = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, leaseTransitions: 0 };
      this.#wrote(await this.#lock.create({ ...record, acquireTime: now, renewTime: now }), nowMs);
      return true;
    }
    const seenAtMs = this.#see(current, nowMs);
    const holder = current.record.holderIdentity;
    const expiresMs = seenAtMs + (current.record.leaseDurationSeconds * 1000 || this.#leaseDurationMs);
    if (holder !== '' && holder !== this.identity && expiresMs > nowMs) return false;
    if (this.#stopped) return false;
    const renewing = holder === this.identity;
    const record: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: renewing ? (current.record.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: renewing ? current.record.leaseTransitions : current.record.leaseTransitions + 1,
    };
    this.#wrote(await this.#lock.update(record, current.resourceVersion), nowMs);
    return true;
  }

  /** Records a read; the expiry clock restarts only when the record itself changed. */
  #see(lease: ObservedLease, nowMs: number): number {
    const before = this.#observed;
    const atMs = before && sameRecord(before.record, lease.record) ? before.atMs : nowMs;
    this.#observed = { ...lease, atMs };
    const holder = lease.record.holderIdentity;
    if (holder && holder !== before?.record.holderIdentity) this.#callbacks.onNewLeader?.(holder);
    return atMs;
  }

  #wrote(lease: ObservedLease, nowMs: number): void {
    const was = this.#observed?.record.holderIdentity;
    this.#observed = { ...lease, atMs: nowMs };
    // A write that landed after this replica gave up must not revive its belief; release() hands it over.
    if (this.#stopped) return;
    this.#lastRenewMs = nowMs;
    if (was !== this.identity) this.#callbacks.onNewLeader?.(this.identity);
  }

  #armDeadline(): void {
    this.#deadline?.cancel();
    const last = this.#lastRenewMs ?? this.#clock.now().getTime();
    const remaining = last + this.#renewDeadlineMs - this.#clock.now().getTime();
    this.#deadline = this.#clock.setTimer(() => {
      this.#log?.error(
        { lease: this.#lock.description, identity: this.identity, renewDeadlineMs: this.#renewDeadlineMs },
        'lost the leader lease: no renewal succeeded within the renew deadline',
      );
      this.#stop('lost');
    }, remaining);
  }

  #stop(why: 'released' | 'lost'): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#deadline?.cancel();
    this.#stopping.abort(new Error(`leader election ${why}`));
    const leading = this.#leading;
    if (leading && !leading.signal.aborted) {
      leading.abort(new Error(`leadership ${why}`));
      try {
        this.#callbacks.onStoppedLeading();
      } catch (err) {
        this.#log?.error({ err }, 'onStoppedLeading failed');
      }
    }
  }
}

function sameRecord(a: LeaderElectionRecord, b: LeaderElectionRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions &&
    a.acquireTime?.getTime() === b.acquireTime?.getTime() &&
    a.renewTime?.getTime() === b.renewTime?.getTime()
  );
}
