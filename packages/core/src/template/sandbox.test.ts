import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, type ExecuteOptions, TemplateError } from './index.ts';

const render = (text: string, data: unknown = {}, opts?: ExecuteOptions): string =>
  compileTemplate('t', text).execute(data, opts);

function limitError(text: string, opts?: ExecuteOptions, data: unknown = {}): TemplateError {
  try {
    render(text, data, opts);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${e}`);
    assert.equal(e.kind, 'limit', e.message);
    return e;
  }
  assert.fail(`expected a limit error for ${text}`);
}

describe('the sandbox', () => {
  it('resolves prototype properties to nothing', () => {
    const t =
      '{{ .constructor }}|{{ .__proto__ }}|{{ .toString }}|{{ .hasOwnProperty }}|{{ .a.constructor.constructor }}|{{ $.valueOf }}';
    assert.equal(render(t, { a: {} }), '<no value>|<no value>|<no value>|<no value>|<no value>|<no value>');
    assert.equal(
      render('[{{ index . "constructor" }}][{{ get . "__proto__" }}][{{ hasKey . "toString" }}]', { a: 'x' }),
      '[][][false]',
    );
  });

  it('has no properties on lists and strings', () => {
    assert.throws(() => render('{{ .l.length }}', { l: [] }), /can't evaluate field length in type \[\]interface \{\}/);
    assert.throws(() => render('{{ .s.length }}', { s: 'x' }), /can't evaluate field length in type string/);
  });

  it('keeps __proto__ as a plain key and never pollutes prototypes', () => {
    const data = { a: '1' };
    const out = render(
      '{{ $_ := set . "__proto__" (dict "polluted" "yes") }}{{ .polluted }}|{{ index . "__proto__" }}',
      data,
    );
    assert.equal(out, '<no value>|map[polluted:yes]');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(data), ['a']);
    const fromJson = render('{{ $j := fromJson .j }}{{ $j.x }}|{{ $j.polluted }}', {
      j: '{"__proto__":{"polluted":1},"x":2}',
    });
    assert.equal(fromJson, '2|<no value>');
  });

  it('never changes the caller data', () => {
    const data = { m: { k: 'v' } };
    render('{{ $_ := set .m "k" "changed" }}{{ $_ := unset . "m" }}{{ merge . (dict "new" 1) }}', data);
    assert.deepEqual(data, { m: { k: 'v' } });
  });

  it('refuses functions and class instances in data instead of calling them', () => {
    let called = false;
    const data = {
      f: () => {
        called = true;
        return 'x';
      },
    };
    assert.throws(() => render('{{ .f }}', data), /data contains an unsupported value of type Function/);
    assert.throws(() => render('{{ .d }}', { d: new Date(0) }), /unsupported value of type Date/);
    assert.equal(called, false);
  });

  it('stops a huge range', () => {
    assert.match(
      limitError('{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}').message,
      /range ran more than 100000 iterations/,
    );
    assert.match(
      limitError('{{ range until 5000 }}{{ end }}', { limits: { maxRangeIterations: 1000 } }).message,
      /maxRangeIterations/,
    );
  });

  it('stops unbounded template recursion', () => {
    const e = limitError('{{ define "r" }}x{{ template "r" . }}{{ end }}{{ template "r" . }}');
    assert.match(e.message, /templates nested more than 100 levels deep/);
  });

  it('stops output beyond the size limit', () => {
    // The wall-clock limit is set aside: on a loaded machine it would fire first and hide this one.
    const noClock = { limits: { maxMillis: 3_600_000 } };
    assert.match(
      limitError('{{ range until 2000 }}{{ repeat 1000 "x" }}{{ end }}', noClock).message,
      /output is larger than 1048576 bytes/,
    );
  });

  it('stops values that would grow beyond the limits before building them', () => {
    limitError('{{ repeat 100000000 "abc" }}');
    limitError('{{ printf "%999999999d" 1 }}');
    limitError('{{ $s := repeat 1000 "a" }}{{ replace "a" (repeat 2000 "b") $s }}');
    limitError('{{ indent 100000 (repeat 100 "\\n") }}');
    limitError('{{ $l := list 1 }}{{ range until 40 }}{{ $l = concat $l $l }}{{ end }}');
    limitError('{{ $s := "x" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}');
    limitError('{{ until 100000000 }}');
  });

  it('counts evaluation steps', () => {
    assert.match(limitError('{{ range until 100 }}{{ . }}{{ end }}', { limits: { maxSteps: 50 } }).message, /maxSteps/);
    assert.equal(render('{{ range until 10 }}{{ . }}{{ end }}', {}, { limits: { maxSteps: 100 } }), '0123456789');
  });

  it('fails cleanly on cyclic values', () => {
    limitError('{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ $d }}');
    limitError('{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ toJson $d }}');
    limitError('{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ merge (dict "self" (dict)) $d }}');
  });

  it('refuses data nested too deeply', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 1000; i++) deep = { d: deep };
    limitError('{{ . }}', undefined, deep);
  });

  it('renders the same output for the same input (no time or randomness)', () => {
    const t = compileTemplate(
      't',
      '{{ range $k, $v := . }}{{ $k }}={{ $v | sha256sum | trunc 8 }};{{ end }}{{ keys . }}',
    );
    const data = { b: '2', a: '1', c: '3' };
    assert.equal(t.execute(data), t.execute({ c: '3', a: '1', b: '2' }));
  });
});

describe('the sandbox under repeated work', () => {
  it('caps the total size of strings built in a loop', () => {
    const e = limitError('{{ range until 1000 }}{{ $_ := repeat 1000000 "x" }}{{ end }}');
    assert.match(e.message, /functions built more than/);
  });

  it('dedupes large lists of scalars quickly', () => {
    const l = Array.from({ length: 50_000 }, (_, i) => String(i % 100));
    assert.equal(render('{{ len (uniq .l) }}', { l }), '100');
  });

  it('treats undefined data like no data', () => {
    assert.equal(render('{{ .a }}', undefined), '<no value>');
    assert.equal(render('{{ .a }}', null), '<no value>');
  });

  it('fails cleanly on a cyclic value given to toYaml', () => {
    limitError('{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ toYaml $d }}');
  });
});
