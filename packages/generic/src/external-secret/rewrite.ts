// ESO `dataFrom[].rewrite`: each step renames every key of the map, in order. `regexp`
// is Go (RE2) syntax with Go's replacement syntax (`$1`, `${1}`, `${name}`), run on the
// linear-time engine of @lockstep/core, so no pattern can stall the controller.

import { compileUserRegex, SpecProblem, UserRegexError } from '@lockstep/core';

/** One of `regexp` or `transform` (the CRD schema enforces exactly one). */
export interface Rewrite {
  regexp?: { source: string; target: string };
  transform?: { template: string };
}

/** Renders a key through a `transform` template; supplied by the caller (the template engine). */
export type KeyTemplate = (template: string, key: string) => string;

/** A rewrite step that cannot run as written; the message names the step. */
export class RewriteError extends SpecProblem {
  constructor(message: string) {
    super('InvalidSpec', message);
  }
}

export function applyRewrites<V>(
  map: Record<string, V>,
  rewrites: Rewrite[] | undefined,
  renderKey: KeyTemplate,
): Record<string, V> {
  let out = map;
  for (const [i, step] of (rewrites ?? []).entries()) {
    const next: Record<string, V> = {};
    for (const [key, value] of Object.entries(out)) next[renameKey(key, step, i, renderKey)] = value;
    out = next;
  }
  return out;
}

function renameKey(key: string, step: Rewrite, index: number, renderKey: KeyTemplate): string {
  if (step.regexp) {
    try {
      return compileUserRegex(step.regexp.source).replaceAll(key, step.regexp.target);
    } catch (err) {
      if (!(err instanceof UserRegexError)) throw err;
      throw new RewriteError(`rewrite[${index}].regexp.source: ${err.message}`);
    }
  }
  if (step.transform) return renderKey(step.transform.template, key);
  throw new RewriteError(`rewrite[${index}] needs either regexp or transform`);
}
