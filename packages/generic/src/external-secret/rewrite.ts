// ESO `dataFrom[].rewrite`: each step renames every key of the map, in order. `regexp`
// uses Go's replacement syntax (`$1`, `${1}`, `${name}`), which we translate to JavaScript's.

/** One of `regexp` or `transform` (the CRD schema enforces exactly one). */
export interface Rewrite {
  regexp?: { source: string; target: string };
  transform?: { template: string };
}

/** Renders a key through a `transform` template; supplied by the caller (the template engine). */
export type KeyTemplate = (template: string, key: string) => string;

export class RewriteError extends Error {}

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
    let pattern: RegExp;
    try {
      pattern = goRegExp(step.regexp.source, 'g');
    } catch (err) {
      throw new RewriteError(
        `rewrite[${index}].regexp.source is not a valid regular expression: ${(err as Error).message}`,
      );
    }
    return goReplaceAll(key, pattern, goReplacement(step.regexp.target));
  }
  if (step.transform) return renderKey(step.transform.template, key);
  throw new RewriteError(`rewrite[${index}] needs either regexp or transform`);
}

/**
 * Go's ReplaceAllString: like JavaScript's global replace, except that an empty match right
 * after a previous match is ignored (`(.*)` → `db_$1` turns `user` into `db_user`, not `db_userdb_`).
 */
function goReplaceAll(text: string, pattern: RegExp, replacement: string): string {
  let out = '';
  let last = 0;
  let previousEnd = -1;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      pattern.lastIndex++;
      if (m.index === previousEnd) continue;
    }
    out += text.slice(last, m.index) + expand(replacement, m);
    last = end;
    previousEnd = end;
    if (pattern.lastIndex > text.length) break;
  }
  return out + text.slice(last);
}

/** Expands the `$$`, `$1` and `$<name>` of a replacement (as goReplacement writes it) for one match. */
function expand(replacement: string, m: RegExpExecArray): string {
  return replacement.replace(/\$(\$|<(\w+)>|(\d+))/g, (_all, what: string, name?: string, index?: string) => {
    if (what === '$') return '$';
    if (name !== undefined) return m.groups?.[name] ?? '';
    return m[Number(index)] ?? '';
  });
}

/** Go `${1}` / `${name}` / `$name` become JavaScript `$1` / `$<name>`; `$$` stays a literal dollar. */
function goReplacement(target: string): string {
  return target.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_m, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$$';
    const name = braced ?? bare ?? '';
    return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
  });
}

/** Compiles a Go (RE2) pattern: the only syntax difference users hit is `(?P<name>…)`. */
export function goRegExp(source: string, flags = ''): RegExp {
  return new RegExp(source.replace(/\(\?P</g, '(?<'), flags);
}
