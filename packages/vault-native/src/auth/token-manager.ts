// Login tokens, one per identity (method + mount + role + namespace + service account +
// connection), shared by every store and VaultAuth that resolves to it: log in once, renew
// at ~2/3 of the TTL, back off with jitter on errors (never a tight loop), and log in again
// before the token's max TTL ends it. Leases die with the token that created them, so every
// replacement is announced through `onTokenReplaced` for the lease engine.

import { BackendError, type Clock, type Random, realClock, systemRandom, type Timer } from '@lockstep/core';
import { classifyTransportError } from '../client/vault-error.ts';
import type { TokenHandle } from '../client/vault-types.ts';
import { type LoginGrant, login } from './login.ts';
import { identityKey, type LoginTarget } from './login-target.ts';
import {
  defaultSchedulePolicy,
  planAfterGrant,
  planAfterLoginFailure,
  planAfterRenewFailure,
  type ReauthWhy,
  type SchedulePolicy,
  type TokenPlan,
} from './token-schedule.ts';
import { InMemoryTokenStore, type StoredToken, type TokenStore, type UnreadableReason } from './token-store.ts';

/** A token of one identity; `token()` always yields the live one, across renewals and re-logins. */
export interface ManagedToken extends TokenHandle {
  readonly identity: string;
  accessor(): string;
  /** Undefined: never expires. */
  expiresAt(): Date | undefined;
  /**
   * Runs `fn` with the token. When Vault answers Forbidden and the token turns out to be dead
   * (expired, revoked, its Secret rotated), logs in again and runs `fn` once more; a token that
   * is alive but lacks a policy keeps the Forbidden.
   */
  use<T>(fn: (token: TokenHandle) => Promise<T>): Promise<T>;
  /** This user is done; the last release stops renewals (nothing is revoked). */
  release(): void;
}

export interface TokenReplacement {
  identity: string;
  why: ReauthWhy;
  /** The token being replaced: leases it created die when it expires. */
  previous: { accessor: string; expiresAt: Date | undefined };
  current: { accessor: string; expiresAt: Date | undefined };
}

/** For logs and metrics; carries no token value. */
export interface TokenEvent {
  identity: string;
  kind: 'login' | 'adopted' | 'renewed' | 'renewFailed' | 'loginFailed' | 'replaced' | 'scheduled' | 'saveFailed';
  why?: string;
  ttlSeconds?: number;
  delayMs?: number;
  error?: string;
}

/**
 * How the identity's token came to be in this process, for the operator: resumed as stored, or
 * a new login because nothing was stored, the stored token was dead in Vault, or the stored
 * value could not be opened (its key replaced, the Secret altered).
 */
export type TokenResume =
  | { kind: 'Adopted' }
  | { kind: 'NothingStored' }
  | { kind: 'StoredTokenRevoked'; accessor: string }
  | { kind: 'StoredTokenUnreadable'; reason: UnreadableReason };

export interface TokenStats {
  logins: number;
  renewals: number;
  replacements: number;
  failures: number;
}

export interface TokenManagerOptions {
  clock?: Clock;
  random?: Random;
  store?: TokenStore;
  policy?: Partial<SchedulePolicy>;
  onEvent?: (event: TokenEvent) => void;
}

interface Current {
  token: string;
  accessor: string;
  expiresAtMs: number | undefined;
  renewable: boolean;
  requestedTtlSeconds: number;
}

interface Entry {
  identity: string;
  target: LoginTarget;
  current: Current | undefined;
  refs: number;
  closed: boolean;
  timer: Timer | undefined;
  next: { plan: TokenPlan; atMs: number } | undefined;
  failures: number;
  chain: Promise<unknown>;
  stats: TokenStats;
  /** Set by the first acquire (adopt or login). */
  resume: TokenResume | undefined;
}

export class TokenManager {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Map<string, Set<(r: TokenReplacement) => void>>();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #store: TokenStore;
  readonly #policy: SchedulePolicy;
  readonly #onEvent: TokenManagerOptions['onEvent'];

  constructor(opts: TokenManagerOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? systemRandom;
    this.#store = opts.store ?? new InMemoryTokenStore();
    this.#policy = { ...defaultSchedulePolicy, ...opts.policy };
    this.#onEvent = opts.onEvent;
  }

  /** The token of `target`'s identity, logging in only when no live token is cached. Pair with `release()`. */
  async acquire(target: LoginTarget): Promise<ManagedToken> {
    const identity = identityKey(target);
    let entry = this.#entries.get(identity);
    if (!entry) {
      entry = {
        identity,
        target,
        current: undefined,
        refs: 0,
        closed: false,
        timer: undefined,
        next: undefined,
        failures: 0,
        chain: Promise.resolve(),
        stats: { logins: 0, renewals: 0, replacements: 0, failures: 0 },
        resume: undefined,
      };
      this.#entries.set(identity, entry);
    }
    entry.refs++;
    try {
      await this.#ensure(entry);
    } catch (err) {
      this.#release(entry);
      throw err;
    }
    return this.#handle(entry);
  }

  /** Calls `cb` each time the identity's token is replaced by a new login. Answers an unsubscribe function. */
  onTokenReplaced(identity: string, cb: (replacement: TokenReplacement) => void): () => void {
    let set = this.#listeners.get(identity);
    if (!set) {
      set = new Set();
      this.#listeners.set(identity, set);
    }
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0) this.#listeners.delete(identity);
    };
  }

  /** How the identity's current token came to be at start-up (undefined: not acquired yet). */
  resumeOf(identity: string): TokenResume | undefined {
    return this.#entries.get(identity)?.resume;
  }

  stats(identity: string): TokenStats | undefined {
    const s = this.#entries.get(identity)?.stats;
    return s ? { ...s } : undefined;
  }

  /** What the manager will do next for an identity, and when. */
  nextAction(identity: string): { action: TokenPlan['action']; why?: string; at: Date } | undefined {
    const next = this.#entries.get(identity)?.next;
    if (!next) return undefined;
    return {
      action: next.plan.action,
      ...('why' in next.plan ? { why: next.plan.why } : {}),
      at: new Date(next.atMs),
    };
  }

  /** Resolves once the identity's in-flight login or renewal (if any) has finished; for tests and shutdown. */
  async settled(identity: string): Promise<void> {
    const entry = this.#entries.get(identity);
    if (!entry) return;
    let chain: Promise<unknown>;
    do {
      chain = entry.chain;
      await chain;
    } while (chain !== entry.chain);
  }

  /** Revokes the identity's current token (`revoke-self`) and forgets it; leases it created die with it. */
  async revoke(identity: string): Promise<void> {
    const entry = this.#entries.get(identity);
    if (!entry) return;
    await this.#exclusive(entry, async () => {
      const cur = entry.current;
      if (!cur) return;
      await entry.target.client.revokeSelf(cur.token, this.#ns(entry));
      entry.current = undefined;
      this.#cancel(entry);
      await this.#store.delete(identity);
    });
  }

  /** Stops every timer. Graceful shutdown: revokes nothing, the store keeps the tokens. */
  stop(): void {
    for (const entry of this.#entries.values()) {
      entry.closed = true;
      this.#cancel(entry);
    }
    this.#entries.clear();
  }

  // ---- internals -----------------------------------------------------------------------

  #handle(entry: Entry): ManagedToken {
    let released = false;
    const handle: ManagedToken = {
      identity: entry.identity,
      token: () => entry.current?.token ?? '',
      accessor: () => entry.current?.accessor ?? '',
      expiresAt: () => (entry.current?.expiresAtMs === undefined ? undefined : new Date(entry.current.expiresAtMs)),
      use: async <T>(fn: (token: TokenHandle) => Promise<T>): Promise<T> => {
        await this.#ensure(entry);
        const used = entry.current?.token;
        try {
          return await fn(handle);
        } catch (err) {
          if (!(err instanceof BackendError && err.backend === 'vault' && err.errorClass === 'Forbidden')) throw err;
          const replaced = await this.#exclusive(entry, async () => {
            if (entry.current && entry.current.token !== used) return true;
            if (used !== undefined && (await this.#alive(entry, used))) return false;
            await this.#login(entry, 'TokenRejected');
            return true;
          });
          if (!replaced) throw err;
          return fn(handle);
        }
      },
      release: () => {
        if (released) return;
        released = true;
        this.#release(entry);
      },
    };
    return handle;
  }

  #release(entry: Entry): void {
    entry.refs = Math.max(0, entry.refs - 1);
    if (entry.refs > 0) return;
    entry.closed = true;
    this.#cancel(entry);
    if (this.#entries.get(entry.identity) === entry) this.#entries.delete(entry.identity);
  }

  /** Serialises logins and renewals of one identity. */
  #exclusive<T>(entry: Entry, fn: () => Promise<T>): Promise<T> {
    const run = entry.chain.then(fn);
    entry.chain = run.catch(() => undefined);
    return run;
  }

  #ns(entry: Entry): { namespace?: string } {
    return entry.target.vaultNamespace !== undefined ? { namespace: entry.target.vaultNamespace } : {};
  }

  #nowMs(): number {
    return this.#clock.now().getTime();
  }

  #expired(cur: Current): boolean {
    return cur.expiresAtMs !== undefined && cur.expiresAtMs <= this.#nowMs();
  }

  async #ensure(entry: Entry): Promise<void> {
    if (entry.current && !this.#expired(entry.current)) return;
    await this.#exclusive(entry, async () => {
      if (entry.current && !this.#expired(entry.current)) return;
      if (!entry.current && (await this.#adopt(entry))) return;
      const dead = entry.resume?.kind === 'StoredTokenRevoked' && !entry.current ? entry.resume.accessor : undefined;
      // A stored token Vault refused is dead, and the leases it created with it: announce it as
      // replaced now, so the lease engine re-issues them at once rather than at renewal time.
      if (dead) return this.#login(entry, 'TokenRejected', { accessor: dead, expiresAt: new Date(this.#nowMs()) });
      await this.#login(entry, entry.current ? 'TokenExpired' : undefined);
    });
  }

  /** Resumes a token a previous run saved, if Vault still honours it. */
  async #adopt(entry: Entry): Promise<boolean> {
    const stored = await this.#store.load(entry.identity);
    const unreadable = this.#store.unreadable?.(entry.identity);
    entry.resume ??= unreadable ? { kind: 'StoredTokenUnreadable', reason: unreadable } : { kind: 'NothingStored' };
    if (!stored) return false;
    if (stored.expiresAtMs !== undefined && stored.expiresAtMs <= this.#nowMs()) {
      entry.resume = { kind: 'StoredTokenRevoked', accessor: stored.accessor };
      return false;
    }
    try {
      const info = await entry.target.client.lookupSelf(stored.token, this.#ns(entry));
      entry.current = {
        ...stored,
        accessor: info.accessor,
        expiresAtMs: info.ttl > 0 ? this.#nowMs() + info.ttl * 1000 : undefined,
        renewable: info.renewable,
      };
    } catch (err) {
      if (err instanceof BackendError && err.errorClass === 'Forbidden') {
        entry.resume = { kind: 'StoredTokenRevoked', accessor: stored.accessor };
        await this.#store.delete(entry.identity);
        return false;
      }
      throw err;
    }
    entry.resume = { kind: 'Adopted' };
    this.#emit({ identity: entry.identity, kind: 'adopted' });
    const ttlSeconds = entry.current.expiresAtMs === undefined ? 0 : (entry.current.expiresAtMs - this.#nowMs()) / 1000;
    this.#schedule(entry, planAfterGrant({ ttlSeconds, renewable: entry.current.renewable }, this.#policy, this.#rnd));
    return true;
  }

  async #alive(entry: Entry, token: string): Promise<boolean> {
    try {
      await entry.target.client.lookupSelf(token, this.#ns(entry));
      return true;
    } catch (err) {
      return !(err instanceof BackendError && err.errorClass === 'Forbidden');
    }
  }

  /**
   * Logs in; with `why`, the new token replaces a previous one and listeners hear of it.
   * `dead`: a token not held in memory (a stored one Vault refused) that the new one replaces.
   */
  async #login(entry: Entry, why: ReauthWhy | undefined, dead?: { accessor: string; expiresAt: Date }): Promise<void> {
    const previous = entry.current;
    const grant: LoginGrant = await login(entry.target);
    const now = this.#nowMs();
    entry.current = {
      token: grant.token,
      accessor: grant.accessor,
      expiresAtMs: grant.ttlSeconds > 0 ? now + grant.ttlSeconds * 1000 : undefined,
      renewable: grant.renewable,
      requestedTtlSeconds: grant.requestedTtlSeconds,
    };
    entry.stats.logins++;
    entry.failures = 0;
    this.#emit({ identity: entry.identity, kind: 'login', ttlSeconds: grant.ttlSeconds, ...(why ? { why } : {}) });
    await this.#save(entry);
    this.#schedule(
      entry,
      planAfterGrant({ ttlSeconds: grant.ttlSeconds, renewable: grant.renewable }, this.#policy, this.#rnd),
    );
    const replaced = dead ?? (previous && previous.token !== grant.token ? previous : undefined);
    if (replaced && why) {
      entry.stats.replacements++;
      // A rejected token is dead now, whatever expiry was recorded for it: so are its leases.
      const previousExpiry =
        'expiresAt' in replaced
          ? replaced.expiresAt
          : why === 'TokenRejected'
            ? new Date(now)
            : toDate(replaced.expiresAtMs);
      const replacement: TokenReplacement = {
        identity: entry.identity,
        why,
        previous: { accessor: replaced.accessor, expiresAt: previousExpiry },
        current: { accessor: grant.accessor, expiresAt: toDate(entry.current.expiresAtMs) },
      };
      this.#emit({ identity: entry.identity, kind: 'replaced', why });
      for (const cb of this.#listeners.get(entry.identity) ?? []) {
        try {
          cb(replacement);
        } catch {
          // A listener's failure must not stop the others or the renewal loop.
        }
      }
    }
  }

  /**
   * Best effort: a failed write (API server or transit down) costs one login after a restart,
   * never the token in use or its renewal timer, so it must not abort the login or renewal.
   */
  async #save(entry: Entry): Promise<void> {
    const cur = entry.current;
    if (!cur) return;
    const stored: StoredToken = {
      token: cur.token,
      accessor: cur.accessor,
      expiresAtMs: cur.expiresAtMs,
      renewable: cur.renewable,
      requestedTtlSeconds: cur.requestedTtlSeconds,
    };
    try {
      await this.#store.save(entry.identity, stored);
    } catch (err) {
      this.#emit({ identity: entry.identity, kind: 'saveFailed', error: (err as Error).message });
    }
  }

  readonly #rnd = (): number => this.#random.random();

  #cancel(entry: Entry): void {
    entry.timer?.cancel();
    entry.timer = undefined;
    entry.next = undefined;
  }

  #schedule(entry: Entry, plan: TokenPlan): void {
    this.#cancel(entry);
    if (entry.closed || plan.action === 'none') return;
    entry.next = { plan, atMs: this.#nowMs() + plan.delayMs };
    this.#emit({ identity: entry.identity, kind: 'scheduled', why: plan.why, delayMs: plan.delayMs });
    entry.timer = this.#clock.setTimer(() => {
      entry.timer = undefined;
      entry.next = undefined;
      this.#exclusive(entry, () => this.#run(entry, plan)).catch(() => undefined);
    }, plan.delayMs);
  }

  async #run(entry: Entry, plan: TokenPlan): Promise<void> {
    if (entry.closed || plan.action === 'none') return;
    if (plan.action === 'reauthenticate') return this.#reauthenticate(entry, plan.why);
    const cur = entry.current;
    if (!cur) return this.#reauthenticate(entry, 'TokenExpired');
    try {
      const auth = await entry.target.client.renewSelf(cur.token, cur.requestedTtlSeconds, this.#ns(entry));
      cur.expiresAtMs = auth.leaseDuration > 0 ? this.#nowMs() + auth.leaseDuration * 1000 : undefined;
      cur.renewable = auth.renewable;
      entry.stats.renewals++;
      entry.failures = 0;
      this.#emit({ identity: entry.identity, kind: 'renewed', ttlSeconds: auth.leaseDuration });
      await this.#save(entry);
      const next = planAfterGrant(
        { ttlSeconds: auth.leaseDuration, renewable: auth.renewable, askedSeconds: cur.requestedTtlSeconds },
        this.#policy,
        this.#rnd,
      );
      if (next.action === 'reauthenticate' && next.delayMs === 0) return this.#reauthenticate(entry, next.why);
      this.#schedule(entry, next);
    } catch (err) {
      const error = asBackendError(err, entry);
      entry.failures++;
      entry.stats.failures++;
      this.#emit({ identity: entry.identity, kind: 'renewFailed', error: error.message });
      const untilExpiry = cur.expiresAtMs === undefined ? Number.POSITIVE_INFINITY : cur.expiresAtMs - this.#nowMs();
      const next = planAfterRenewFailure(error, entry.failures, untilExpiry, this.#policy, this.#rnd);
      if (next.action === 'reauthenticate') {
        // Logging in is a fresh attempt: its backoff starts over.
        entry.failures = 0;
        if (next.delayMs === 0) return this.#reauthenticate(entry, next.why);
      }
      this.#schedule(entry, next);
    }
  }

  async #reauthenticate(entry: Entry, why: ReauthWhy): Promise<void> {
    if (entry.closed) return;
    try {
      await this.#login(entry, why);
    } catch (err) {
      entry.failures++;
      entry.stats.failures++;
      this.#emit({ identity: entry.identity, kind: 'loginFailed', why, error: asBackendError(err, entry).message });
      this.#schedule(entry, planAfterLoginFailure(entry.failures, this.#policy, this.#rnd));
    }
  }

  #emit(event: TokenEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // Observability must never break the renewal loop.
    }
  }
}

function toDate(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

function asBackendError(err: unknown, entry: Entry): BackendError {
  if (err instanceof BackendError) return err;
  return classifyTransportError(err, {
    method: 'POST',
    path: 'auth/token/renew-self',
    address: entry.target.client.address,
  });
}
