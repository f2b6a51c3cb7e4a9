import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFloat, formatValue, quoteGo, sprint, sprintf, sprintln } from './go-format.ts';
import { compileTemplate } from './index.ts';
import { importValue } from './values.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);
const printf = (format: string, ...args: unknown[]): string => sprintf(format, args, 1 << 20);

describe('printing values as Go does', () => {
  it('prints maps as map[k:v] with sorted keys and lists as [a b]', () => {
    assert.equal(render('{{ . }}', { b: '2', a: { y: [1, 'x'], x: null } }), 'map[a:map[x:<nil> y:[1 x]] b:2]');
    assert.equal(render('{{ list 1 "two" 3.5 true nil }}'), '[1 two 3.5 true <nil>]');
  });

  it('prints <no value> for a missing key but <nil> for a JSON null or a missing value passed to print', () => {
    assert.equal(render('{{ .missing }}'), '<no value>');
    assert.equal(render('{{ .n }}', { n: null }), '<nil>');
    assert.equal(render('{{ print .missing }}'), '<nil>');
  });

  it('prints float64 with the shortest %g form, switching to exponents at 1e+06', () => {
    assert.equal(formatValue(1000000), '1e+06');
    assert.equal(formatValue(123456), '123456');
    assert.equal(formatValue(0.0001), '0.0001');
    assert.equal(formatValue(0.00001), '1e-05');
    assert.equal(formatValue(1.5e300), '1.5e+300');
    assert.equal(formatValue(-2.25), '-2.25');
    assert.equal(formatValue(Number.POSITIVE_INFINITY), '+Inf');
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(2n ** 62n), '4611686018427387904');
  });

  it('prints JSON numbers as float64, so a large port number stays readable but a million does not', () => {
    assert.equal(
      render('{{ (fromJson .j).port }} {{ (fromJson .j).big }}', { j: '{"port":8080,"big":1000000}' }),
      '8080 1e+06',
    );
  });

  it('formats floats with strconv rules', () => {
    assert.equal(formatFloat(3.14259, 'f', 2), '3.14');
    assert.equal(formatFloat(2.5, 'e', 3), '2.500e+00');
    assert.equal(formatFloat(123456789, 'g', 4), '1.235e+08');
    assert.equal(formatFloat(1e21, 'f', 1), '1000000000000000000000.0');
  });
});

describe('print and println', () => {
  it('adds spaces only between operands that are not strings', () => {
    assert.equal(sprint(['a', 'b']), 'ab');
    assert.equal(sprint([1n, 2n]), '1 2');
    assert.equal(sprint(['a', 1n, 2n, 'b']), 'a1 2b');
    assert.equal(sprintln(['a', 'b']), 'a b\n');
  });
});

describe('printf', () => {
  it('supports the common verbs', () => {
    assert.equal(printf('%s|%d|%v|%t|%%', 'str', 42n, 1.5, true), 'str|42|1.5|true|%');
    assert.equal(printf('%q|%x|%X|%x', 'a"b\n', 'hi', 255n, -255n), '"a\\"b\\n"|6869|FF|-ff');
    assert.equal(
      printf('%f|%.2f|%e|%g|%08.3f', 3.14259, 3.14259, 1234.5678, 0.000012, -3.14259),
      '3.142590|3.14|1.234568e+03|1.2e-05|-003.143',
    );
    assert.equal(printf('%c|%U|%o|%b|%#x|%+d', 65n, 0x1f600n, 8n, 5n, 255n, 3n), 'A|U+1F600|10|101|0xff|+3');
    assert.equal(
      printf('%T %T %T %T %T', 's', 1n, 1.5, importValue({}), []),
      'string int float64 map[string]interface {} []interface {}',
    );
  });

  it('pads with widths, left-justifies with -, truncates strings with a precision', () => {
    assert.equal(
      printf('[%5s][%-5s][%.2s][%05d][%-4d][%6.2f]', 'ab', 'ab', 'abc', 42n, 7n, 3.14259),
      '[   ab][ab   ][ab][00042][7   ][  3.14]',
    );
    assert.equal(printf('[%*d]', 4n, 1n), '[   1]');
  });

  it('applies the verb to elements of lists and maps', () => {
    assert.equal(printf('%d %q', [1n, 2n], ['a', 'b']), '[1 2] ["a" "b"]');
    assert.equal(printf('%v', importValue({ k: 'v' })), 'map[k:v]');
  });

  it('reports mismatches inline instead of failing, as Go does', () => {
    assert.equal(printf('%d', 'x'), '%!d(string=x)');
    assert.equal(printf('%s', 5n), '%!s(int=5)');
    assert.equal(printf('%.2f', 5n), '%!f(int=5)');
    assert.equal(printf('%d %d', 1n), '1 %!d(MISSING)');
    assert.equal(printf('%d', 1n, 'x'), '1%!(EXTRA string=x)');
    assert.equal(printf('%s', null), '%!s(<nil>)');
    assert.equal(printf('100%'), '100%!(NOVERB)');
  });

  it('quotes like strconv.Quote', () => {
    assert.equal(quoteGo('tab\t é \u0001 \u200b 😀'), '"tab\\t é \\x01 \\u200b 😀"');
    assert.equal(quoteGo('é', true), '"\\u00e9"');
  });

  it('works from templates with mixed argument types', () => {
    assert.equal(render('{{ printf "%s:%d" .host 5432 }}', { host: 'db' }), 'db:5432');
    assert.equal(render('{{ printf "%.2f" (float64 .v) }}', { v: '2.5' }), '2.50');
  });
});
