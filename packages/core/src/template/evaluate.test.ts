import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, type ExecuteOptions, TemplateError } from './index.ts';

const render = (text: string, data: unknown = {}, opts?: ExecuteOptions): string =>
  compileTemplate('t', text).execute(data, opts);

function execError(text: string, data: unknown = {}, opts?: ExecuteOptions): TemplateError {
  try {
    render(text, data, opts);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${e}`);
    return e;
  }
  assert.fail(`expected an error for ${text}`);
}

describe('if / else if / else', () => {
  it('follows Go truthiness: empty strings, zero, nil, empty lists and maps are false', () => {
    const t = '{{ if . }}T{{ else }}F{{ end }}';
    for (const falsy of ['', 0, false, null, [], {}])
      assert.equal(render(`{{ if .v }}T{{ else }}F{{ end }}`, { v: falsy }), 'F');
    for (const truthy of ['x', 1, true, [0], { a: '' }])
      assert.equal(render(`{{ if .v }}T{{ else }}F{{ end }}`, { v: truthy }), 'T');
    assert.equal(render(t, { a: '1' }), 'T');
  });

  it('chains else if branches with a single end', () => {
    const t = '{{ if eq .n "1" }}one{{ else if eq .n "2" }}two{{ else }}many{{ end }}';
    assert.equal(render(t, { n: '1' }), 'one');
    assert.equal(render(t, { n: '2' }), 'two');
    assert.equal(render(t, { n: '3' }), 'many');
  });

  it('treats a missing key as false', () => {
    assert.equal(render('{{ if .missing }}T{{ else }}F{{ end }}'), 'F');
  });
});

describe('with', () => {
  it('moves dot to the value when it is non-empty, else runs the else branch', () => {
    assert.equal(render('{{ with .db }}{{ .user }}@{{ .host }}{{ end }}', { db: { user: 'u', host: 'h' } }), 'u@h');
    assert.equal(render('{{ with .nope }}x{{ else }}none{{ end }}'), 'none');
  });

  it('supports else with', () => {
    const t = '{{ with .a }}a={{ . }}{{ else with .b }}b={{ . }}{{ else }}neither{{ end }}';
    assert.equal(render(t, { b: '2' }), 'b=2');
    assert.equal(render(t, {}), 'neither');
  });
});

describe('range', () => {
  it('iterates lists with index and element', () => {
    assert.equal(render('{{ range $i, $e := .l }}{{ $i }}:{{ $e }} {{ end }}', { l: ['a', 'b'] }), '0:a 1:b ');
  });

  it('iterates maps in sorted key order, as Go does', () => {
    assert.equal(
      render('{{ range $k, $v := . }}{{ $k }}={{ $v }},{{ end }}', { zeta: '1', alpha: '2', mid: '3' }),
      'alpha=2,mid=3,zeta=1,',
    );
  });

  it('sets dot to each element, and one variable gets the element', () => {
    assert.equal(render('{{ range .l }}[{{ . }}]{{ end }}', { l: ['x', 'y'] }), '[x][y]');
    assert.equal(render('{{ range $e := .l }}{{ $e }}{{ end }}', { l: ['x', 'y'] }), 'xy');
  });

  it('runs else for an empty or missing collection', () => {
    assert.equal(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty');
    assert.equal(render('{{ range .missing }}x{{ else }}empty{{ end }}'), 'empty');
  });

  it('ranges over an integer', () => {
    assert.equal(render('{{ range 3 }}{{ . }}{{ end }}'), '012');
  });

  it('supports break and continue', () => {
    assert.equal(
      render(
        '{{ range $i, $e := .l }}{{ if eq $e "skip" }}{{ continue }}{{ end }}{{ if eq $e "stop" }}{{ break }}{{ end }}{{ $e }}{{ end }}',
        {
          l: ['a', 'skip', 'b', 'stop', 'c'],
        },
      ),
      'ab',
    );
  });

  it('refuses to range over a string, naming the type only', () => {
    const e = execError('{{ range .s }}x{{ end }}', { s: 'secret-value' });
    assert.match(e.message, /range can't iterate over a value of type string/);
  });
});

describe('variables', () => {
  it('declares with := and assigns with =, visible after an inner scope ends', () => {
    assert.equal(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}'), 'b');
  });

  it('shadows inside a scope without touching the outer variable', () => {
    assert.equal(
      render('{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }} {{ $x }}'),
      'inner outer',
    );
  });

  it('collects values across range iterations through assignment', () => {
    assert.equal(
      render('{{ $s := "" }}{{ range .l }}{{ $s = print $s . }}{{ end }}{{ $s }}', { l: ['a', 'b', 'c'] }),
      'abc',
    );
  });

  it('keeps $ as the root data inside range and with', () => {
    assert.equal(render('{{ range .l }}{{ $.prefix }}{{ . }} {{ end }}', { prefix: 'p-', l: ['a', 'b'] }), 'p-a p-b ');
  });

  it('prints nothing for a declaration', () => {
    assert.equal(render('{{ $x := "value" }}'), '');
  });

  it('reads fields through variables', () => {
    assert.equal(render('{{ $db := .db }}{{ $db.user }}', { db: { user: 'admin' } }), 'admin');
  });
});

describe('fields, pipelines and parentheses', () => {
  it('reads nested fields and missing ones as <no value>', () => {
    assert.equal(render('{{ .a.b.c }}', { a: { b: { c: 'deep' } } }), 'deep');
    assert.equal(render('{{ .a.nope }}|{{ .x.y }}', { a: {} }), '<no value>|<no value>');
  });

  it('passes the previous pipeline value as the last argument', () => {
    assert.equal(render('{{ "b" | printf "%s-%s" "a" }}'), 'a-b');
    assert.equal(render('{{ .v | upper | printf "[%s]" }}', { v: 'x' }), '[X]');
  });

  it('evaluates parenthesised pipelines and fields of their results', () => {
    assert.equal(render('{{ (fromJson .j).user.name }}', { j: '{"user":{"name":"n"}}' }), 'n');
    assert.equal(render('{{ printf "%s:%s" (.a | upper) (lower .b) }}', { a: 'x', b: 'Y' }), 'X:y');
  });

  it('fails with missingkey=error semantics when asked (as ESO runs templates)', () => {
    const e = execError('{{ .nope }}', {}, { missingKey: 'error' });
    assert.equal(e.kind, 'exec');
    assert.match(e.message, /map has no entry for key "nope"/);
  });

  it('refuses arguments to a field or a literal', () => {
    assert.match(execError('{{ .a "x" }}', { a: 'v' }).message, /a is not a method but has arguments/);
    assert.match(execError('{{ "x" | .a }}', { a: 'v' }).message, /is not a method but has arguments/);
  });

  it('refuses a field of a non-map value', () => {
    assert.match(execError('{{ .a.b }}', { a: 'str' }).message, /can't evaluate field b in type string/);
    assert.match(execError('{{ .a.b }}', { a: null }).message, /nil pointer evaluating interface \{\}\.b/);
  });
});

describe('and, or, not and comparisons', () => {
  it('returns the deciding operand, as Go does', () => {
    assert.equal(render('{{ or .a .b "fallback" }}', { b: 'B' }), 'B');
    assert.equal(render('{{ and "x" "" "y" }}|{{ and 1 2 }}'), '|2');
    assert.equal(render('{{ not .a }}', { a: '' }), 'true');
  });

  it('short-circuits: later operands are not evaluated', () => {
    assert.equal(render('{{ or "x" (index .l 10) }}', { l: [] }), 'x');
    assert.equal(render('{{ and "" (index .l 10) }}', { l: [] }), '');
  });

  it('compares like Go: eq with several operands, no comparison across types', () => {
    assert.equal(render('{{ eq .a "x" "y" "z" }}', { a: 'z' }), 'true');
    assert.equal(
      render('{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}'),
      'true true true true false',
    );
    assert.match(execError('{{ eq 1 "1" }}').message, /error calling eq: incompatible types for comparison/);
    assert.match(execError('{{ lt .l 1 }}', { l: [] }).message, /invalid type for comparison/);
  });

  it('compares a missing value as unequal without failing', () => {
    assert.equal(render('{{ eq .missing "x" }}'), 'false');
  });
});

describe('define, template and block', () => {
  it('calls a defined template with a new dot and $', () => {
    const t = '{{ define "user" }}{{ .name }}/{{ $.name }}{{ end }}{{ template "user" .u }}';
    assert.equal(render(t, { u: { name: 'n' } }), 'n/n');
  });

  it('calls a template without a pipeline with no data', () => {
    assert.equal(render('{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" }}'), '[<no value>]');
  });

  it('defines and runs a block in place', () => {
    assert.equal(render('a{{ block "b" . }}<{{ .v }}>{{ end }}c', { v: 1 }), 'a<1>c');
  });

  it('uses partials passed at compile time', () => {
    const tpl = compileTemplate('main', '{{ template "header" . }}|{{ template "footer" }}', {
      partials: { header: 'H:{{ .title }}', footer: '{{ define "footer" }}F{{ end }}' },
    });
    assert.equal(tpl.execute({ title: 'T' }), 'H:T|F');
    assert.deepEqual(tpl.templateNames, ['footer', 'header', 'main']);
  });

  it('fails clearly for an unknown template', () => {
    assert.match(execError('{{ template "nope" }}').message, /no template "nope" associated with template "t"/);
  });

  it('scopes variables to the called template', () => {
    const t =
      '{{ define "inner" }}{{ $x := "inner" }}{{ $x }}{{ end }}{{ $x := "outer" }}{{ template "inner" }} {{ $x }}';
    assert.equal(render(t), 'inner outer');
  });
});

describe('builtins', () => {
  it('index reads lists, maps and nested keys; a missing key of a string map is empty', () => {
    assert.equal(
      render('{{ index .l 1 }} {{ index .m "k-1" }} {{ index .n "a" 0 }}', {
        l: ['a', 'b'],
        m: { 'k-1': 'v' },
        n: { a: ['x'] },
      }),
      'b v x',
    );
    assert.equal(render('[{{ index . "nope" }}]', { a: 's' }), '[]');
    assert.match(execError('{{ index .l 5 }}', { l: [] }).message, /error calling index: index out of range: 5/);
  });

  it('slice cuts strings and lists', () => {
    assert.equal(render('{{ slice "abcdef" 1 3 }} {{ slice .l 1 }}', { l: ['a', 'b', 'c'] }), 'bc [b c]');
  });

  it('len counts bytes of strings, like Go', () => {
    assert.equal(render('{{ len "héllo" }} {{ len .l }} {{ len .m }}', { l: [1, 2], m: { a: 1 } }), '6 2 1');
  });

  it('escapes for html, js and urls', () => {
    assert.equal(render(`{{ html "<a href='x'>&</a>" }}`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(render(`{{ js "it's <b>" }}`), "it\\'s \\u003Cb\\u003E");
    assert.equal(render('{{ urlquery "a b&c=d/é" }}'), 'a+b%26c%3Dd%2F%C3%A9');
  });

  it('checks argument counts and types like Go', () => {
    assert.match(execError('{{ upper }}').message, /wrong number of args for upper: want 1 got 0/);
    assert.match(execError('{{ upper 1 }}').message, /expected string; found 1/);
    assert.match(execError('{{ upper .n }}', { n: 1 }).message, /wrong type for value; expected string; got float64/);
    assert.match(execError('{{ upper .missing }}').message, /invalid value; expected string/);
  });
});
