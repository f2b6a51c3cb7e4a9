// Every regular expression a user supplies (template functions, find.name.regexp,
// rewrite.regexp, VSO includes/excludes, ClusterSecretStore namespaceRegexes) runs here.
//
// Why re2js and not RegExp: V8's RegExp backtracks, so `^(a+)+$` on 40 characters runs for
// hours on the event loop and freezes every tenant. re2js is a pure-JS port of RE2 (the
// engine behind Go's regexp): matching is linear in the input, and the syntax is Go's, which
// is what ESO and VSO users write (`(?P<name>…)`, `(?i)`, `\pL`, `[[:alpha:]]`, `\A`, `\z`).
// Backreferences and lookaround do not exist in that syntax and are refused at compile time.
//
// Linear is not yet bounded, so three limits keep one call short: the pattern length, the
// compiled program size (counted repetition multiplies: `(a{1000}){1000}`), and the work of
// one call, input length × program size. Repeated searches (find-all, replace-all) can still
// add up to quadratic time on adversarial inputs (as in Go and RE2), so a call also stops
// after a time budget. Every refusal is a UserRegexError whose message says what to change;
// it never quotes the input, which may be secret material.

import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import { expandGoTemplate, type GroupLookup } from './go-expand.ts';
import { estimateProgramSize } from './program-size-estimate.ts';

export const USER_REGEX_LIMITS = Object.freeze({
  /** Characters of a pattern. */
  maxPatternLength: 4096,
  /** Instructions of a compiled pattern. */
  maxProgramSize: 10_000,
  /**
   * Input length (UTF-16 code units) × program size, per call: 10 to 50 ms of matching for most
   * patterns on a busy core. A literal pattern (found with indexOf) costs its input length.
   */
  maxWork: 250_000,
  /** Wall time of the repeated searches of one call (find-all, replace-all, split). */
  maxCallMillis: 50,
});

/** A pattern that cannot be used, or a call that would take too long: invalid input for the user to fix. */
export class UserRegexError extends Error {
  override readonly name = 'UserRegexError';
  /** `syntax`: the pattern cannot be compiled; `limit`: it or this call exceeds a bound above. */
  readonly kind: 'syntax' | 'limit';

  constructor(kind: 'syntax' | 'limit', message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface RegexMatch {
  /** Start and end (exclusive) of the match, in UTF-16 code units. */
  index: number;
  end: number;
  text: string;
}

export interface UserRegexOptions {
  /** Monotonic milliseconds for the per-call time budget; tests inject it. */
  now?: () => number;
}

export class UserRegex {
  readonly pattern: string;
  readonly #re: RE2JS;
  /** Work units per input character: the program size, or 1 for a literal searched with indexOf. */
  readonly #size: number;
  readonly #names: Readonly<Record<string, number>>;
  readonly #now: () => number;

  constructor(pattern: string, re: RE2JS, now: () => number) {
    this.pattern = pattern;
    this.#re = re;
    this.#size = re.re2().prefixComplete ? 1 : re.programSize();
    this.#names = re.namedGroups();
    this.#now = now;
  }

  /** Go's MatchString: does the pattern match anywhere in `subject`? */
  test(subject: string): boolean {
    this.#checkWork(subject);
    return this.#re.test(subject);
  }

  /** Go's FindAllStringIndex: at most `n` matches (all when n < 0); no empty match right after a match. */
  findAll(subject: string, n = -1): RegexMatch[] {
    const out: RegexMatch[] = [];
    this.#forEachMatch(subject, n, (m) => out.push(m));
    return out;
  }

  /** Go's ReplaceAllString: `template` expands `$1`, `${1}`, `$name`, `${name}` and `$$`. */
  replaceAll(subject: string, template: string): string {
    if (!template.includes('$')) return this.replaceAllLiteral(subject, template);
    return this.#replace(subject, (_m, group) => expandGoTemplate(template, group));
  }

  /** Go's ReplaceAllLiteralString: `replacement` is inserted as written. */
  replaceAllLiteral(subject: string, replacement: string): string {
    return this.#replace(subject, () => replacement);
  }

  /** Go's Split: at most `n` pieces (all when n < 0, none when n is 0). */
  split(subject: string, n: number): string[] {
    if (n === 0) return [];
    if (this.pattern.length > 0 && subject === '') return [''];
    const parts: string[] = [];
    let beg = 0;
    let end = 0;
    for (const m of this.findAll(subject, n)) {
      if (n > 0 && parts.length === n - 1) break;
      end = m.index;
      if (m.end !== 0) parts.push(subject.slice(beg, end));
      beg = m.end;
    }
    if (end !== subject.length) parts.push(subject.slice(beg));
    return parts;
  }

  /** Go's allMatches loop over re2js's Matcher, which finds group 0 only (cheaper than exec). */
  #forEachMatch(subject: string, n: number, visit: (m: RegexMatch) => void): void {
    this.#checkWork(subject);
    const matcher = this.#re.matcher(subject);
    const deadline = this.#now() + USER_REGEX_LIMITS.maxCallMillis;
    let count = 0;
    let prevEnd = -1;
    for (let pos = 0; (n < 0 || count < n) && pos <= subject.length; ) {
      this.#checkDeadline(deadline);
      if (!matcher.find(pos)) break;
      const index = matcher.start();
      const end = matcher.end();
      let accept = true;
      if (end === pos) {
        // An empty match: Go skips one right after the previous match, then moves one rune on.
        if (index === prevEnd) accept = false;
        pos += runeWidth(subject, pos);
      } else {
        pos = end;
      }
      prevEnd = end;
      if (accept) {
        visit({ index, end, text: subject.slice(index, end) });
        count++;
      }
    }
  }

  /** Go's replaceAll loop: an empty match right after a match is not replaced. */
  #replace(subject: string, replacement: (m: RegexMatch, group: GroupLookup) => string): string {
    // The matcher loads the other groups only when the replacement asks for one.
    this.#checkWork(subject);
    const matcher = this.#re.matcher(subject);
    const group = this.#groupLookup(matcher);
    const deadline = this.#now() + USER_REGEX_LIMITS.maxCallMillis;
    let out = '';
    let lastEnd = 0;
    for (let pos = 0; pos <= subject.length; ) {
      this.#checkDeadline(deadline);
      if (!matcher.find(pos)) break;
      const index = matcher.start();
      const end = matcher.end();
      out += subject.slice(lastEnd, index);
      if (end > lastEnd || index === 0) out += replacement({ index, end, text: subject.slice(index, end) }, group);
      lastEnd = end;
      const width = runeWidth(subject, pos);
      if (pos + width > end) pos += width;
      else if (pos + 1 > end) pos++;
      else pos = end;
    }
    return out + subject.slice(lastEnd);
  }

  #groupLookup(matcher: ReturnType<RE2JS['matcher']>): GroupLookup {
    const count = this.#re.groupCount();
    return (ref) => {
      const index = typeof ref === 'number' ? ref : this.#names[ref];
      if (index === undefined || index > count) return undefined;
      return matcher.group(index) ?? undefined;
    };
  }

  #checkWork(subject: string): void {
    if (subject.length * this.#size > USER_REGEX_LIMITS.maxWork) {
      throw new UserRegexError(
        'limit',
        `the input (${subject.length} characters) is too long for this regular expression (${this.#size} instructions): ` +
          `characters × instructions may be at most ${USER_REGEX_LIMITS.maxWork}; use a simpler pattern or a shorter input`,
      );
    }
  }

  #checkDeadline(deadline: number): void {
    if (this.#now() > deadline) {
      throw new UserRegexError(
        'limit',
        `regular expression matching took longer than ${USER_REGEX_LIMITS.maxCallMillis} ms on this input: use a simpler pattern`,
      );
    }
  }
}

/** UTF-16 code units of the code point at `pos` (Go advances by one rune after an empty match). */
function runeWidth(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

const cache = new Map<string, UserRegex | UserRegexError>();
const CACHE_SIZE = 256;

/**
 * Compiles a user's pattern with Go (RE2) syntax, or throws a UserRegexError that says why
 * not. Compiled patterns (and refusals) are cached, since templates compile on every render.
 */
export function compileUserRegex(pattern: string, options: UserRegexOptions = {}): UserRegex {
  if (options.now) return compile(pattern, options.now);
  let entry = cache.get(pattern);
  if (!entry) {
    try {
      entry = compile(pattern, () => performance.now());
    } catch (err) {
      if (!(err instanceof UserRegexError)) throw err;
      entry = err;
    }
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(pattern, entry);
  }
  if (entry instanceof UserRegexError) throw entry;
  return entry;
}

/**
 * "Does the pattern match anywhere in the subject?", for the places that only filter (names,
 * keys, namespaces). A refusal, when compiling or for one subject, becomes the caller's own
 * error through `refuse`, so it lands in the object's condition as invalid input.
 */
export function userRegexPredicate(
  pattern: string,
  refuse: (err: UserRegexError) => Error,
): (subject: string) => boolean {
  const rethrow = (err: unknown) => (err instanceof UserRegexError ? refuse(err) : err);
  let re: UserRegex;
  try {
    re = compileUserRegex(pattern);
  } catch (err) {
    throw rethrow(err);
  }
  return (subject) => {
    try {
      return re.test(subject);
    } catch (err) {
      throw rethrow(err);
    }
  };
}

function compile(pattern: string, now: () => number): UserRegex {
  const { maxPatternLength, maxProgramSize } = USER_REGEX_LIMITS;
  if (pattern.length > maxPatternLength) {
    throw new UserRegexError(
      'limit',
      `regular expression is ${pattern.length} characters long; at most ${maxPatternLength} are allowed`,
    );
  }
  const tooLarge = () =>
    new UserRegexError(
      'limit',
      `regular expression is too large once its repetitions are expanded (more than ${maxProgramSize} instructions): use smaller repeat counts`,
    );
  if (estimateProgramSize(pattern, maxProgramSize * 2) > maxProgramSize * 2) throw tooLarge();
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    if (err instanceof RE2JSException) throw new UserRegexError('syntax', explain(pattern, err));
    throw err;
  }
  if (re.programSize() > maxProgramSize) throw tooLarge();
  return new UserRegex(pattern, re, now);
}

/**
 * The parser's reason, without the fragment it quotes (a template's pattern may come from data),
 * plus a hint for the JavaScript/PCRE features users most often reach for.
 */
function explain(pattern: string, err: RE2JSException): string {
  const reason = err instanceof RE2JSSyntaxException ? err.getDescription() : err.message;
  let hint = '';
  if (/\(\?<?[=!]/.test(pattern)) hint = 'lookahead and lookbehind are not supported';
  else if (/\\[1-9]|\\k</.test(pattern)) hint = 'backreferences are not supported';
  else if (/\(\?>|[*+?}]\+/.test(pattern)) hint = 'atomic groups and possessive quantifiers are not supported';
  const syntax = 'patterns use RE2 (Go regexp) syntax';
  return `invalid regular expression: ${reason} (${hint ? `${hint}; ` : ''}${syntax})`;
}
