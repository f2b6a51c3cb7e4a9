import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureEventLoopHold } from '../../testing/event-loop-hold.ts';
import { TemplateError } from '../errors.ts';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

// A backtracking engine would spend hours on these; the linear one answers, or the template
// fails with a limit error, within 100 ms of the event loop (CPU time: see event-loop-hold.ts).
const subject = `${'a'.repeat(10_000)}!`;
const calls = [
  '{{ regexMatch "^(a+)+$" .s }}',
  '{{ regexFind "(a|a)*b" .s }}',
  '{{ regexFindAll "(x+x+)+y|(a*)*!" .s -1 | len }}',
  '{{ regexReplaceAll "((a+)*)+$" .s "${1}" | len }}',
  '{{ regexReplaceAllLiteral "(?:a|aa)+$" .s "" }}',
  '{{ regexSplit "(\\\\w+\\\\s?)*$" .s -1 | len }}',
];

describe('template regex functions on catastrophic patterns', { timeout: 60_000 }, () => {
  for (const text of calls) {
    it(`${text} ends within 100 ms or fails as a limit`, () => {
      render(text, { s: 'aaa!' }); // warm up re2js once, so the bound measures matching
      const { ms, error } = measureEventLoopHold(() => render(text, { s: subject }));
      if (error !== undefined) assert.ok(error instanceof TemplateError && error.kind === 'limit', String(error));
      assert.ok(ms < 100, `held the event loop for ${ms.toFixed(0)} ms`);
    });
  }

  it('answers like Go for the classic ReDoS pattern', () => {
    assert.equal(render('{{ regexMatch "^(a+)+$" .s }}', { s: subject }), 'false');
  });
});

describe('template regex functions use Go (RE2) syntax', () => {
  it('expands $1, ${1}, ${name} and $name, with (?P<name>) and (?i)', () => {
    assert.equal(
      render('{{ regexReplaceAll "(?i)(?P<user>[A-Z]+)@(\\\\w+)" "BOB@db" "$user ${1} at $2" }}'),
      'BOB BOB at db',
    );
  });

  it('refuses a backreference with a reason, not the value', () => {
    assert.throws(
      () => render('{{ regexMatch "(a)\\\\1" .s }}', { s: 'hunter2' }),
      (e: Error) =>
        e instanceof TemplateError &&
        /backreferences are not supported/.test(e.message) &&
        /RE2 \(Go regexp\) syntax/.test(e.message) &&
        !e.message.includes('hunter2'),
    );
  });
});
