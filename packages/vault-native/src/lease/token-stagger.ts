// Leases die with the login token that created them (SPEC §2, lease engine 4). When the
// TokenManager replaces a token, every lease still bound to the old one must be re-issued
// before it dies, but never all at once: each lease gets a fixed slot in a window, derived
// from its key and a per-process seed, so the re-issues are spread and a reconcile that runs
// again finds the same slot.

import type { Random } from '@lockstep/core';
import type { TokenLifetime } from './lease-backend.ts';

export interface StaggerPolicy {
  /**
   * The window covers this fraction of the old token's remaining life, counted from its
   * replacement; the rest is left for writing the new credential and rolling the targets.
   */
  spreadFraction: number;
}

export const defaultStaggerPolicy: StaggerPolicy = { spreadFraction: 0.5 };

export interface StaggerWindow {
  start: Date;
  end: Date;
}

/** A process-wide seed: drawn once, so positions are stable while the process runs. */
export function staggerSeed(random: Random): number {
  return Math.floor(random.random() * 0x1_0000_0000) >>> 0;
}

/**
 * Where a lease sits in any spread window, in [0, 1): a well-mixed hash of its key and the
 * seed. Used both as the renewal jitter and as the token re-issue slot.
 */
export function leasePosition(key: string, seed: number): number {
  // FNV-1a over UTF-16 units, then murmur3's finalizer for avalanche.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * The window over which leases of a replaced token are re-issued, or undefined while the
 * token is still the one new leases bind to (re-issuing then would bind to the dying token
 * again) or never expires.
 */
export function tokenStaggerWindow(
  token: TokenLifetime,
  policy: StaggerPolicy = defaultStaggerPolicy,
): StaggerWindow | undefined {
  if (!token.expiresAt || !token.supersededAt) return undefined;
  const start = token.supersededAt.getTime();
  const life = Math.max(0, token.expiresAt.getTime() - start);
  const fraction = Math.min(1, Math.max(0, policy.spreadFraction));
  return { start: new Date(start), end: new Date(start + Math.floor(life * fraction)) };
}

/** The slot of one lease (`position` from `leasePosition`) in the token's window. */
export function staggeredReissueAt(
  token: TokenLifetime,
  position: number,
  policy: StaggerPolicy = defaultStaggerPolicy,
): Date | undefined {
  const window = tokenStaggerWindow(token, policy);
  if (!window) return undefined;
  const width = window.end.getTime() - window.start.getTime();
  const p = Math.min(Math.max(0, position), 1);
  return new Date(window.start.getTime() + Math.floor(width * p));
}
