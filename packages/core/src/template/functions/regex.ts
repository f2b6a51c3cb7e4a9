// Sprig's regex functions on JavaScript RegExp with Go's (RE2) syntax translated where the two
// differ: (?P<name>), leading (?i)/(?s)/(?m) flags, \A and \z, [[:alpha:]] classes, \pL.
// Matching follows Go: an empty match right after the previous match is skipped, and
// replacement templates use $1, ${1}, $name, ${name} and $$.
// Known gap: JavaScript regexes backtrack, so a pathological pattern can be slow; subjects are
// bounded by the output limit.

import { FuncError } from '../errors.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp>();

export function compileGoRegex(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let source = pattern;
  let flags = 'g';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    if (leading[1]!.includes('U')) throw new FuncError('invalid regular expression: the (?U) flag is not supported');
    flags += [...new Set(leading[1])].join('');
    source = source.slice(leading[0].length);
  }
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\z/g, '(?![\\s\\S])')
    .replace(/\[:([a-z]+):\]/g, (m, name: string) => posixClasses[name] ?? m)
    .replace(/\\([pP])([A-Za-z])/g, '\\$1{$2}');
  let re: RegExp;
  try {
    re = new RegExp(source, `${flags}u`);
  } catch {
    try {
      re = new RegExp(source, flags);
    } catch (e) {
      // The engine's message quotes the pattern, which may come from data: keep only the reason.
      const reason = e instanceof SyntaxError ? e.message.split(': ').at(-1) : 'syntax error';
      throw new FuncError(`invalid regular expression: ${reason}`);
    }
  }
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** FindAll with Go's rules: at most n matches (n < 0: all), no empty match abutting the previous one. */
export function goMatches(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  let prevEnd = -1;
  for (const m of s.matchAll(re)) {
    const end = m.index + m[0].length;
    if (m[0].length === 0 && m.index === prevEnd) continue;
    out.push(m);
    prevEnd = end;
    if (n > 0 && out.length >= n) break;
  }
  return out;
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}; $$ is a dollar; unknown groups are empty. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (all, _d: string, braced?: string, bare?: string) => {
      if (all === '$$') return '$';
      const name = braced ?? bare!;
      if (/^[0-9]+$/.test(name)) return m[Number(name)] ?? '';
      return m.groups?.[name] ?? '';
    },
  );
}

function replaceAllGo(re: RegExp, s: string, replace: (m: RegExpExecArray) => string): string {
  let out = '';
  let last = 0;
  for (const m of goMatches(re, s, -1)) {
    out += s.slice(last, m.index) + replace(m);
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

function split(re: RegExp, s: string, n: number): string[] {
  if (n === 0) return [];
  if (re.source !== '(?:)' && s === '') return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of goMatches(re, s, n)) {
    if (n > 0 && parts.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

const re = (p: unknown): RegExp => compileGoRegex(p as string);

const regexMatch = fn(['string', 'string'], ([p, s]) => goMatches(re(p), s as string, 1).length > 0);
const regexFindAll = fn(['string', 'string', 'int'], ([p, s, n]) =>
  goMatches(re(p), s as string, Number(n as bigint)).map((m) => m[0]),
);
const regexFind = fn(['string', 'string'], ([p, s]) => goMatches(re(p), s as string, 1)[0]?.[0] ?? '');
const regexReplaceAll = fn(['string', 'string', 'string'], ([p, s, r]) =>
  replaceAllGo(re(p), s as string, (m) => expand(r as string, m)),
);
const regexReplaceAllLiteral = fn(['string', 'string', 'string'], ([p, s, r]) =>
  replaceAllGo(re(p), s as string, () => r as string),
);
const regexSplit = fn(['string', 'string', 'int'], ([p, s, n]) => split(re(p), s as string, Number(n as bigint)));
const regexQuoteMeta = fn(['string'], ([s]) => (s as string).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'));

export const regexFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['regexMatch', regexMatch],
  ['mustRegexMatch', regexMatch],
  ['regexFindAll', regexFindAll],
  ['mustRegexFindAll', regexFindAll],
  ['regexFind', regexFind],
  ['mustRegexFind', regexFind],
  ['regexReplaceAll', regexReplaceAll],
  ['mustRegexReplaceAll', regexReplaceAll],
  ['regexReplaceAllLiteral', regexReplaceAllLiteral],
  ['mustRegexReplaceAllLiteral', regexReplaceAllLiteral],
  ['regexSplit', regexSplit],
  ['mustRegexSplit', regexSplit],
  ['regexQuoteMeta', regexQuoteMeta],
]);
