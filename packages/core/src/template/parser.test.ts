import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, TemplateError } from './index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

function parseError(text: string): TemplateError {
  try {
    compileTemplate('t', text);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${e}`);
    assert.equal(e.kind, 'parse');
    return e;
  }
  assert.fail(`expected a parse error for ${text}`);
}

describe('template parsing', () => {
  it('copies text outside actions unchanged', () => {
    assert.equal(render('plain text\n  with {braces} and } and {'), 'plain text\n  with {braces} and } and {');
  });

  it('trims whitespace before {{- and after -}}, including newlines', () => {
    assert.equal(render('a  \n\t {{- "b" -}} \n  c'), 'abc');
    assert.equal(render('a {{- "b" }} c'), 'ab c');
    assert.equal(render('a {{ "b" -}} c'), 'a bc');
  });

  it('reads {{-3}} as the number -3, not a trim marker', () => {
    assert.equal(render('x {{-3}}'), 'x -3');
  });

  it('drops comments, with or without trim markers', () => {
    assert.equal(render('a{{/* a comment\nover lines */}}b'), 'ab');
    assert.equal(render('a {{- /* trimmed */ -}} b'), 'ab');
  });

  it('rejects a comment that does not end at the closing delimiter', () => {
    assert.match(parseError('{{/* c */ .x }}').message, /comment ends before closing delimiter/);
  });

  it('accepts actions spanning lines', () => {
    assert.equal(render('{{ printf "%s-%s"\n  "a"\n  "b" }}'), 'a-b');
  });

  it('unquotes Go string literals, raw strings and character constants', () => {
    assert.equal(render('{{ "tab\\there\\n\\u00e9\\x41\\101\\"" }}'), 'tab\there\néAA"');
    assert.equal(render('{{ `raw \\n {{ not an action }}` }}'), 'raw \\n {{ not an action }}');
    assert.equal(render("{{ 'a' }} {{ '\\n' }}"), '97 10');
  });

  it('reads Go number literals', () => {
    assert.equal(
      render('{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ 1e3 }} {{ -2.5 }}'),
      '31 15 15 5 1000 1000 -2.5',
    );
  });

  it('reports syntax errors with template name, line and column', () => {
    const e = parseError('line one\n  {{ if .x }}\n{{ end');
    assert.match(e.message, /^template: t:3:1: unclosed action/);
    assert.deepEqual(e.position, { template: 't', line: 3, column: 1 });
  });

  it('reports a missing {{end}}', () => {
    assert.match(parseError('{{ if .a }}x').message, /unexpected EOF/);
  });

  it('reports an unexpected {{end}} or {{else}}', () => {
    assert.match(parseError('x{{ end }}').message, /t:1:5: unexpected \{\{end\}\}/);
    assert.match(parseError('{{ else }}').message, /unexpected \{\{else\}\}/);
  });

  it('refuses variables used before they are declared, and outside their scope', () => {
    assert.match(parseError('{{ $x }}').message, /undefined variable "\$x"/);
    assert.match(parseError('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}').message, /undefined variable "\$y"/);
    assert.match(parseError('{{ $z = 1 }}').message, /undefined variable "\$z"/);
  });

  it('refuses unknown functions at parse time', () => {
    assert.match(parseError('{{ nosuchfunc 1 }}').message, /:1:4: function not defined/);
  });

  it('explains why time, randomness and environment functions are missing', () => {
    assert.match(parseError('{{ now }}').message, /"now" is not available: templates must be deterministic/);
    assert.match(parseError('{{ uuidv4 }}').message, /"uuidv4" is not available: .*randomness/);
    assert.match(
      parseError('{{ env "HOME" }}').message,
      /"env" is not available: templates cannot read the environment/,
    );
    assert.match(parseError('{{ call .f }}').message, /"call" is not available/);
  });

  it('refuses network functions with the same kind of message', () => {
    const e = parseError('{{ getHostByName "example.com" }}');
    assert.match(e.message, /:1:4: function "getHostByName" is not available: templates cannot use the network$/);
    assert.doesNotMatch(e.message, /example\.com/);
    assert.match(parseError('{{ certSANs .c }}').message, /"certSANs" is not available: .*not supported/);
  });

  it('allows break and continue only inside range', () => {
    assert.match(parseError('{{ break }}').message, /\{\{break\}\} outside \{\{range\}\}/);
    assert.match(parseError('{{ if true }}{{ continue }}{{ end }}').message, /\{\{continue\}\} outside \{\{range\}\}/);
  });

  it('allows define only at the top level', () => {
    assert.match(
      parseError('{{ if true }}{{ define "x" }}{{ end }}{{ end }}').message,
      /only allowed at the top level/,
    );
  });

  it('refuses two definitions of the same template', () => {
    assert.match(parseError('{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}').message, /multiple definition/);
  });

  it('requires spaces between operands and rejects literals as later pipeline stages', () => {
    assert.match(parseError('{{ printf("x") }}').message, /unexpected "\(" in operand/);
    assert.match(parseError('{{ "a" | "b" }}').message, /non executable command in pipeline stage 2/);
  });

  it('rejects field access on literals and empty or unbalanced actions', () => {
    assert.match(parseError('{{ "a".b }}').message, /unexpected \. after term/);
    assert.match(parseError('{{ }}').message, /missing value for command/);
    assert.match(parseError('{{ (1 }}').message, /unclosed left paren/);
    assert.match(parseError('{{ 1) }}').message, /unexpected right paren/);
  });

  it('rejects deeply nested parentheses instead of exhausting the stack', () => {
    const text = `{{ ${'('.repeat(500)}1${')'.repeat(500)} }}`;
    assert.match(parseError(text).message, /nesting exceeds 100 levels/);
  });
});
