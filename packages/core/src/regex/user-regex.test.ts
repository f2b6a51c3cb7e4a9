import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measureEventLoopHold } from '../testing/event-loop-hold.ts';
import { compileUserRegex, USER_REGEX_LIMITS, UserRegexError, userRegexPredicate } from './user-regex.ts';

// The only time bound these tests assert: one call holds the event loop for under 100 ms, with a
// result or a refusal (measured as the thread's CPU time: see event-loop-hold.ts).
const STALL_BOUND_MS = 100;
function withinStallBound(label: string, run: () => unknown): void {
  const { ms, error } = measureEventLoopHold(run);
  if (error !== undefined) assert.ok(error instanceof UserRegexError, `${label}: ${String(error)}`);
  assert.ok(ms < STALL_BOUND_MS, `${label} held the event loop for ${ms.toFixed(0)} ms`);
}

/** Runs the engine once on a short input first, so the bound measures matching, not V8 compiling re2js. */
function warmUp(run: () => unknown): void {
  run();
}

const TEN_K = 10_000;
const catastrophic: { pattern: string; subject: string }[] = [
  { pattern: '^(a+)+$', subject: `${'a'.repeat(TEN_K)}!` },
  { pattern: '(a|a)*b', subject: 'a'.repeat(TEN_K) },
  { pattern: '(x+x+)+y', subject: 'x'.repeat(TEN_K) },
  { pattern: '((a*)*)*$', subject: `${'a'.repeat(TEN_K)}!` },
  { pattern: '(?:a|aa)+$', subject: `${'a'.repeat(TEN_K)}!` },
  { pattern: '(\\w+\\s?)*$', subject: `${'word '.repeat(TEN_K / 5)}!` },
  { pattern: '(.*a){12}', subject: 'a'.repeat(TEN_K) },
  // Empty matches at every position, each found only after scanning to the end: quadratic for find-all.
  { pattern: '(?:(?:a|b|c)+x)*', subject: 'a'.repeat(TEN_K) },
];

// A regression to a backtracking engine would run for hours: fail instead of hanging.
describe('user regular expressions run in bounded time', { timeout: 60_000 }, () => {
  for (const { pattern, subject } of catastrophic) {
    test(`${pattern} over ${subject.length} characters ends within ${STALL_BOUND_MS} ms or is refused`, () => {
      const re = compileUserRegex(pattern);
      warmUp(() => [
        re.test(subject.slice(-50)),
        re.findAll(subject.slice(-50)),
        re.replaceAll(subject.slice(-50), ''),
      ]);
      withinStallBound('test', () => re.test(subject));
      withinStallBound('findAll', () => re.findAll(subject));
      withinStallBound('replaceAll', () => re.replaceAll(subject, '<$1>'));
      withinStallBound('split', () => re.split(subject, -1));
    });
  }

  test('a pattern whose repetitions expand to a huge program is refused before it is compiled', () => {
    withinStallBound('compile', () => {
      assert.throws(() => compileUserRegex('a{1000}'.repeat(500)), /too large once its repetitions are expanded/);
    });
    assert.throws(() => compileUserRegex('x'.repeat(USER_REGEX_LIMITS.maxPatternLength + 1)), /characters long/);
  });

  test('an input too long for the pattern is refused with the numbers, never the input', () => {
    const re = compileUserRegex('(a|b)(c|d)(e|f)');
    const subject = 's3cr3t'.repeat(USER_REGEX_LIMITS.maxWork);
    assert.throws(
      () => re.findAll(subject),
      (err: Error) =>
        err instanceof UserRegexError &&
        err.kind === 'limit' &&
        err.message.includes(`${subject.length} characters`) &&
        !err.message.includes('s3cr3t'),
    );
  });

  test('repeated searches stop once the call has used its time budget', () => {
    let clock = 0;
    const re = compileUserRegex('a', { now: () => (clock += 10) });
    assert.equal(re.findAll('aa').length, 2, 'two searches fit in the budget');
    clock = 0;
    assert.throws(() => re.findAll('a'.repeat(10)), /took longer than 50 ms/);
    clock = 0;
    assert.throws(() => re.replaceAll('a'.repeat(10), 'b'), /took longer than 50 ms/);
  });
});

describe('user regular expressions use Go (RE2) syntax', () => {
  test('named groups in both spellings, expanded with ${name}, $name, $1, ${1} and $$', () => {
    const re = compileUserRegex('(?P<user>[a-z]+)@(?<host>\\w+)');
    assert.equal(re.replaceAll('bob@db', '${host}/$user:$1:${2}$$'), 'db/bob:bob:db$');
  });

  test('$1x names a group "1x" (empty), as in Go; ${1}x is group 1 then x', () => {
    const re = compileUserRegex('(a)');
    assert.equal(re.replaceAll('a', '$1x|${1}x|$9|$'), '|ax||$');
  });

  test('inline flags (?i), (?s), (?m) and (?U)', () => {
    assert.ok(compileUserRegex('(?i)^DB_').test('db_password'));
    assert.ok(!compileUserRegex('a.b').test('a\nb'));
    assert.ok(compileUserRegex('(?s)a.b').test('a\nb'));
    assert.ok(compileUserRegex('(?m)^b$').test('a\nb\nc'));
    assert.equal(compileUserRegex('(?U)a+').findAll('aaa')[0]?.text, 'a');
  });

  test('POSIX classes, Unicode classes, \\A and \\z', () => {
    assert.ok(compileUserRegex('^[[:alpha:]]+$').test('Abc'));
    assert.ok(compileUserRegex('^\\pL+$').test('héllo'));
    assert.ok(compileUserRegex('\\Aab\\z').test('ab'));
    assert.ok(!compileUserRegex('\\Aab\\z').test('ab\n'));
  });

  test('empty matches follow Go: none right after a match, one rune on after each', () => {
    const re = compileUserRegex('a*');
    assert.deepEqual(
      re.findAll('baaac').map((m) => [m.index, m.text]),
      [
        [0, ''],
        [1, 'aaa'],
        [5, ''],
      ],
    );
    assert.equal(re.replaceAll('baaac', '<$0>'), '<>b<aaa>c<>');
    assert.deepEqual(re.split('baaac', -1), ['b', 'c']);
    assert.deepEqual(compileUserRegex('x*').findAll('😀').length, 2, 'a surrogate pair is one rune');
  });

  test('split honours n as Go does', () => {
    const re = compileUserRegex(',');
    assert.deepEqual(re.split('a,b,c', 2), ['a', 'b,c']);
    assert.deepEqual(re.split('a,b,c', 0), []);
    assert.deepEqual(re.split('', -1), ['']);
  });

  for (const [pattern, hint] of [
    ['(a)\\1', /backreferences are not supported/],
    ['a(?=b)', /lookahead and lookbehind are not supported/],
    ['(?<!x)a', /lookahead and lookbehind are not supported/],
    ['a++', /possessive quantifiers are not supported/],
    ['(unclosed', /missing closing \)/],
  ] as const) {
    test(`${pattern} is refused with a reason and the syntax to use`, () => {
      assert.throws(
        () => compileUserRegex(pattern),
        (err: Error) =>
          err instanceof UserRegexError &&
          err.kind === 'syntax' &&
          hint.test(err.message) &&
          /RE2 \(Go regexp\) syntax/.test(err.message),
      );
    });
  }

  test('a predicate turns every refusal into the caller error', () => {
    const refuse = (err: UserRegexError) => new RangeError(`field: ${err.message}`);
    assert.throws(() => userRegexPredicate('(', refuse), RangeError);
    const matches = userRegexPredicate('(a|b)(c|d)', refuse);
    assert.ok(matches('xbc'));
    assert.throws(() => matches('a'.repeat(USER_REGEX_LIMITS.maxWork)), RangeError);
  });
});
