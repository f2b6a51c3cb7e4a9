// Go's Regexp.Expand, which ESO's regexReplaceAll and rewrite.regexp.target follow: `$1`,
// `${1}`, `$name`, `${name}`, `$$` for a dollar. A name is the longest run of letters,
// digits and `_`, so `$1x` means the group named `1x` (empty), not group 1 and an `x`:
// write `${1}x`. Unknown or unmatched groups expand to nothing; a `$` not followed by a
// name stays as written.

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Looks a group up by number or by name; undefined when it did not take part in the match. */
export type GroupLookup = (group: number | string) => string | undefined;

export function expandGoTemplate(template: string, group: GroupLookup): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) return out + rest;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractName(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    out += group(groupNumber(ref.name) ?? ref.name) ?? '';
  }
}

/** Go reads a name of digits below 1e8 as a group number (so `$01` is group 1). */
function groupNumber(name: string): number | undefined {
  let num = 0;
  for (const ch of name) {
    if (ch < '0' || ch > '9' || num >= 1e8) return undefined;
    num = num * 10 + Number(ch);
  }
  return num;
}

function extractName(template: string): { name: string; rest: string } | undefined {
  const braced = template.startsWith('{');
  let i = braced ? 1 : 0;
  const start = i;
  while (i < template.length) {
    const ch = String.fromCodePoint(template.codePointAt(i)!);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === start) return undefined;
  const name = template.slice(start, i);
  if (!braced) return { name, rest: template.slice(i) };
  if (template[i] !== '}') return undefined;
  return { name, rest: template.slice(i + 1) };
}
