// Sprig's regex functions with Go's semantics, on the linear-time RE2 engine of
// ../../regex/user-regex.ts: Go (RE2) syntax, Go's rules for empty matches, replacement
// templates with $1, ${1}, $name, ${name} and $$. A pattern that does not compile is a
// FuncError; one that is too large for its input is a LimitError, like every other bound
// of the template engine.

import { compileUserRegex, type UserRegex, UserRegexError } from '../../regex/user-regex.ts';
import { FuncError, LimitError } from '../errors.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

/** Runs `use` on the compiled pattern, turning a refusal into the template engine's error classes. */
function withRegex<T>(pattern: unknown, use: (re: UserRegex) => T): T {
  try {
    return use(compileUserRegex(pattern as string));
  } catch (e) {
    if (!(e instanceof UserRegexError)) throw e;
    throw e.kind === 'syntax' ? new FuncError(e.message) : new LimitError(e.message);
  }
}

const regexMatch = fn(['string', 'string'], ([p, s]) => withRegex(p, (re) => re.test(s as string)));
const regexFindAll = fn(['string', 'string', 'int'], ([p, s, n]) =>
  withRegex(p, (re) => re.findAll(s as string, Number(n as bigint)).map((m) => m.text)),
);
const regexFind = fn(['string', 'string'], ([p, s]) => withRegex(p, (re) => re.findAll(s as string, 1)[0]?.text ?? ''));
const regexReplaceAll = fn(['string', 'string', 'string'], ([p, s, r]) =>
  withRegex(p, (re) => re.replaceAll(s as string, r as string)),
);
const regexReplaceAllLiteral = fn(['string', 'string', 'string'], ([p, s, r]) =>
  withRegex(p, (re) => re.replaceAllLiteral(s as string, r as string)),
);
const regexSplit = fn(['string', 'string', 'int'], ([p, s, n]) =>
  withRegex(p, (re) => re.split(s as string, Number(n as bigint))),
);
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
