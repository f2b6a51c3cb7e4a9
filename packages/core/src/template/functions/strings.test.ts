import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

describe('sprig string functions', () => {
  it('changes case and trims', () => {
    assert.equal(
      render('{{ upper "abc" }} {{ lower "ABC" }} {{ title "hello wide-world foo_bar" }} {{ untitle "Hello World" }}'),
      'ABC abc Hello Wide-World Foo_bar hello world',
    );
    assert.equal(
      render(
        '[{{ trim "  \\t x y \\n" }}] [{{ trimAll "$" "$$5.00$" }}] [{{ trimPrefix "x-" "x-name" }}] [{{ trimSuffix ".com" "a.com" }}]',
      ),
      '[x y] [5.00] [name] [a]',
    );
  });

  it('truncates and takes substrings by bytes, as Go does', () => {
    assert.equal(render('{{ trunc 3 "abcdef" }} {{ trunc -2 "abcdef" }} {{ trunc 10 "abc" }}'), 'abc ef abc');
    assert.equal(
      render('{{ substr 1 3 "abcdef" }} {{ substr 2 -1 "abcdef" }} {{ substr -1 2 "abcdef" }}'),
      'bc cdef ab',
    );
  });

  it('replaces, repeats and tests substrings', () => {
    assert.equal(
      render('{{ "a-b-c" | replace "-" "_" }} {{ repeat 3 "ab" }} {{ replace "" "." "ab" }}'),
      'a_b_c ababab .a.b.',
    );
    assert.equal(
      render(
        '{{ contains "ell" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }} {{ contains "x" "hello" }}',
      ),
      'true true true false',
    );
  });

  it('quotes with Go escaping and skips nil arguments', () => {
    assert.equal(render('{{ quote "a\\"b" 1 .missing }} {{ squote "x" }}'), '"a\\"b" "1" \'x\'');
    assert.equal(render('{{ .v | quote }}', { v: 'line\nbreak' }), '"line\\nbreak"');
  });

  it('indents and nindents every line', () => {
    assert.equal(render('{{ indent 2 "a\\nb" }}'), '  a\n  b');
    assert.equal(render('key:{{ .cert | nindent 4 }}', { cert: 'L1\nL2' }), 'key:\n    L1\n    L2');
  });

  it('splits into a map or a list, and joins', () => {
    assert.equal(render('{{ $p := split "." "a.b.c" }}{{ $p._0 }}{{ $p._2 }}'), 'ac');
    assert.equal(render('{{ splitList "," "a,b,c" }} {{ splitn "=" 2 "k=v=w" }}'), '[a b c] map[_0:k _1:v=w]');
    assert.equal(render('{{ join "," (list "a" 1 nil "b") }} {{ join "-" .l }}', { l: ['x', 'y'] }), 'a,1,b x-y');
  });

  it('removes whitespace, concatenates and converts to strings', () => {
    assert.equal(
      render('{{ nospace " a b\\tc\\n" }} {{ cat "a" 1 nil "b" }} {{ toString 12 }} {{ toString .missing }}'),
      'abc a 1 b 12 <nil>',
    );
    assert.equal(render('{{ toStrings (list 1 "a" 2.5) }}'), '[1 a 2.5]');
  });

  it('matches, finds, replaces and splits with Go regular expressions', () => {
    assert.equal(
      render('{{ regexMatch "^[a-z]+@[a-z.]+$" "me@example.com" }} {{ regexMatch "(?i)^ABC$" "abc" }}'),
      'true true',
    );
    assert.equal(
      render(
        '{{ regexFind "[0-9]+" "ab123cd456" }} {{ regexFindAll "[0-9]+" "a1b22c333" -1 }} {{ regexFindAll "[0-9]" "123" 2 }}',
      ),
      '123 [1 22 333] [1 2]',
    );
    assert.equal(render('{{ regexReplaceAll "(?P<user>[a-z]+)@(\\\\w+)" "bob@host" "${user} at $2" }}'), 'bob at host');
    assert.equal(
      render('{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}'),
      '-W-xxW- ---',
    );
    assert.equal(
      render(
        '{{ regexReplaceAllLiteral "a+" "baaac" "$1" }} {{ regexSplit "[,;]" "a,b;c" -1 }} {{ regexSplit "," "a,b,c" 2 }}',
      ),
      'b$1c [a b c] [a b,c]',
    );
    assert.equal(render('{{ regexFindAll "a*" "baaa" -1 }}'), '[ aaa]');
    assert.equal(render('{{ regexMatch "[[:digit:]]+" "x9" }} {{ regexQuoteMeta "a.b*c" }}'), 'true a\\.b\\*c');
  });

  it('reports an invalid regular expression without quoting it', () => {
    assert.throws(
      () => render('{{ regexMatch .p "x" }}', { p: '(secret-pattern' }),
      (e: Error) => {
        assert.match(e.message, /error calling regexMatch: invalid regular expression/);
        assert.doesNotMatch(e.message, /secret-pattern/);
        return true;
      },
    );
  });
});
