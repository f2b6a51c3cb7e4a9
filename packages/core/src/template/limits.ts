// Resource limits of one execution. Templates come from users; every way to spend
// unbounded time or memory is capped and fails with a TemplateError of kind 'limit'.

export interface TemplateLimits {
  /** Bytes of rendered output, and the length of any single string a function builds. */
  maxOutputBytes: number;
  /** Evaluation steps (nodes walked, commands and function calls). */
  maxSteps: number;
  /** Range iterations, summed over the whole execution. */
  maxRangeIterations: number;
  /** Nesting of {{template}} calls (recursion). */
  maxTemplateDepth: number;
  /** Elements of any list or map a function builds. */
  maxCollectionItems: number;
  /** Wall-clock milliseconds of one execution: the event loop is blocked meanwhile. */
  maxMillis: number;
  /**
   * bcrypt hashes (htpasswd) of one execution. Each takes tens of milliseconds by design and
   * blocks the event loop meanwhile, so they are counted instead of timed.
   */
  maxPasswordHashes: number;
}

export const defaultLimits: Readonly<TemplateLimits> = Object.freeze({
  maxOutputBytes: 1024 * 1024,
  maxSteps: 1_000_000,
  maxRangeIterations: 100_000,
  maxTemplateDepth: 100,
  maxCollectionItems: 100_000,
  maxMillis: 50,
  maxPasswordHashes: 8,
});

/**
 * Tokens of one template source. Real templates have hundreds; parsing costs a few
 * microseconds a token, so this keeps a parse well under the event-loop budget.
 */
export const maxTemplateTokens = 20_000;

/** Nesting depth of values (lists in maps in lists...) that printers and encoders accept; also catches cycles. */
export const maxValueDepth = 200;

export function resolveLimits(overrides: Partial<TemplateLimits> | undefined): TemplateLimits {
  const limits = { ...defaultLimits };
  for (const key of Object.keys(defaultLimits) as (keyof TemplateLimits)[]) {
    const value = overrides?.[key];
    if (value !== undefined) {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`template limit ${key} must be a finite number >= 0`);
      limits[key] = value;
    }
  }
  return limits;
}
