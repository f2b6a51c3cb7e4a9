import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

describe('sprig math functions', () => {
  it('does int64 arithmetic with lenient conversions of strings and floats', () => {
    assert.equal(
      render(
        '{{ add 1 2 3 }} {{ add1 .n }} {{ sub 10 "3" }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ div -7 2 }} {{ mod 7 3 }}',
        { n: '41' },
      ),
      '6 42 7 24 3 -3 1',
    );
    assert.equal(render('{{ max 1 5 3 }} {{ min 4 2 8 }} {{ add 1.9 1 }} {{ add "abc" 1 }}'), '5 2 2 1');
  });

  it('wraps around int64 like Go', () => {
    assert.equal(render('{{ add 9223372036854775807 1 }}'), '-9223372036854775808');
  });

  it('fails division by zero as Go does', () => {
    assert.throws(() => render('{{ div 1 0 }}'), /error calling div: runtime error: integer divide by zero/);
  });

  it('converts between strings and numbers', () => {
    assert.equal(
      render(
        '{{ atoi "42" }} {{ atoi "4x" }} {{ int "12" }} {{ int64 "0x1F" }} {{ int "3.0" }} {{ float64 "2.5" }} {{ float64 "x" }}',
      ),
      '42 0 12 31 3 2.5 0',
    );
    assert.equal(render('{{ floor 2.7 }} {{ ceil 2.1 }} {{ round 2.456 2 }} {{ toString (add 1 1) }}'), '2 3 2.46 2');
  });

  it('produces ints that fit int parameters', () => {
    assert.equal(render('{{ trunc (sub 5 2) "abcdef" }} {{ repeat (len "ab") "x" }}'), 'abc xx');
  });
});
