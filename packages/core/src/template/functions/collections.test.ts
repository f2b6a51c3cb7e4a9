import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

describe('sprig dict functions', () => {
  it('builds dicts and reads, sets and unsets keys', () => {
    assert.equal(
      render('{{ $d := dict "a" 1 "b" "x" }}{{ $d }} {{ get $d "a" }} [{{ get $d "nope" }}] {{ hasKey $d "b" }}'),
      'map[a:1 b:x] 1 [] true',
    );
    assert.equal(render('{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $_ := unset $d "a" }}{{ $d }}'), 'map[b:2]');
    assert.equal(render('{{ dict "odd" }}'), 'map[odd:]');
  });

  it('lists keys and values in sorted key order', () => {
    assert.equal(render('{{ keys . }} {{ values . }}', { z: '1', a: '2' }), '[a z] [2 1]');
    assert.equal(render('{{ keys (dict "b" 1) (dict "a" 2) }}'), '[a b]');
  });

  it('plucks, picks, omits and digs', () => {
    assert.equal(render('{{ pluck "k" (dict "k" 1) (dict "x" 2) (dict "k" 3) }}'), '[1 3]');
    assert.equal(
      render('{{ pick . "a" "c" }} {{ omit . "a" }}', { a: '1', b: '2', c: '3' }),
      'map[a:1 c:3] map[b:2 c:3]',
    );
    assert.equal(render('{{ dig "a" "b" "def" . }} {{ dig "a" "x" "def" . }}', { a: { b: 'found' } }), 'found def');
  });

  it('merges without overwriting, or with mergeOverwrite', () => {
    const data = { dst: { a: '1', n: { x: 'keep' } }, src: { a: '2', b: '3', n: { x: 'new', y: 'add' } } };
    assert.equal(render('{{ merge .dst .src }}', data), 'map[a:1 b:3 n:map[x:keep y:add]]');
    assert.equal(render('{{ mergeOverwrite .dst .src }}', data), 'map[a:2 b:3 n:map[x:new y:add]]');
  });

  it('refuses dict functions on non-maps', () => {
    assert.throws(
      () => render('{{ keys "str" }}'),
      /error calling keys: wrong type for value; expected map\[string\]interface \{\}; got string/,
    );
  });
});

describe('sprig list functions', () => {
  it('takes first, last, rest and initial', () => {
    assert.equal(
      render('{{ $l := list 1 2 3 }}{{ first $l }} {{ last $l }} {{ rest $l }} {{ initial $l }} {{ first (list) }}'),
      '1 3 [2 3] [1 2] <nil>',
    );
  });

  it('appends, prepends and concatenates without changing the input', () => {
    assert.equal(
      render('{{ $l := list 1 }}{{ append $l 2 }} {{ prepend $l 0 }} {{ concat $l (list 2 3) (list 4) }} {{ $l }}'),
      '[1 2] [0 1] [1 2 3 4] [1]',
    );
  });

  it('dedupes, filters, sorts, reverses and compacts', () => {
    assert.equal(
      render('{{ uniq (list 1 1 "a" "a" 2) }} {{ without (list 1 2 3 2) 2 }} {{ sortAlpha (list "b" "c" "a") }}'),
      '[1 a 2] [1 3] [a b c]',
    );
    assert.equal(
      render(
        '{{ reverse (list 1 2 3) }} {{ compact (list "" "a" 0 nil "b") }} {{ has 2 (list 1 2) }} {{ has "x" (list 1) }}',
      ),
      '[3 2 1] [a b] true false',
    );
    assert.equal(render('{{ until 3 }}'), '[0 1 2]');
  });

  it('fails clearly on a non-list', () => {
    assert.throws(() => render('{{ first "abc" }}'), /error calling first: Cannot find first on type string/);
  });
});

describe('sprig defaults and logic', () => {
  it('default falls back for empty values and missing keys', () => {
    assert.equal(
      render(
        '{{ .missing | default "fallback" }} {{ "" | default "d" }} {{ "set" | default "d" }} {{ 0 | default 5 }}',
      ),
      'fallback d set 5',
    );
  });

  it('empty, coalesce, ternary, all and any', () => {
    assert.equal(
      render('{{ empty "" }} {{ empty (list) }} {{ empty "x" }} {{ empty .missing }}'),
      'true true false true',
    );
    assert.equal(render('{{ coalesce .a .b "c" }} {{ coalesce "" 0 }}', { b: 'B' }), 'B <nil>');
    assert.equal(
      render('{{ ternary "yes" "no" true }} {{ true | ternary "yes" "no" }} {{ ternary "yes" "no" (eq .x "1") }}', {
        x: '2',
      }),
      'yes yes no',
    );
    assert.equal(render('{{ all 1 "a" }} {{ all 1 "" }} {{ any "" 0 "x" }} {{ any "" }}'), 'true false true false');
  });

  it('names types and kinds', () => {
    assert.equal(
      render(
        '{{ typeOf "s" }} {{ typeOf 1 }} {{ kindOf (list) }} {{ kindOf (dict) }} {{ kindIs "string" "x" }} {{ deepEqual (list 1 (dict "a" 1)) (list 1 (dict "a" 1)) }}',
      ),
      'string int slice map true true',
    );
  });
});
