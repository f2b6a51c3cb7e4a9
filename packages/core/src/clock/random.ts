// Randomness is injected like time: jitter in tests must be reproducible.

export interface Random {
  /** A number in [0, 1). */
  random(): number;
}

export const systemRandom: Random = { random: () => Math.random() };

/** Deterministic generator (mulberry32) for tests; not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    random() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Always returns the same value: pins jitter at one end of its range in tests. */
export function fixedRandom(value: number): Random {
  return { random: () => value };
}
