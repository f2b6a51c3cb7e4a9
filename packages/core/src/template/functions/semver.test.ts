import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);
const satisfies = (constraint: string, version: string): boolean =>
  render('{{ semverCompare .c .v }}', { c: constraint, v: version }) === 'true';

describe('sprig semverCompare (Masterminds/semver v3 rules)', () => {
  it('checks caret, tilde, x-ranges, hyphen ranges, and/or', () => {
    const cases: [string, string, boolean][] = [
      ['^1.2.0', '1.9.9', true],
      ['^1.2.0', '2.0.0', false],
      ['^0.2.3', '0.2.9', true],
      ['^0.2.3', '0.3.0', false],
      ['^0.0.3', '0.0.4', false],
      ['~1.2.3', '1.2.9', true],
      ['~1.2.3', '1.3.0', false],
      ['~1', '1.9.0', true],
      ['1.2.x', '1.2.7', true],
      ['1.2.x', '1.3.0', false],
      ['*', '9.9.9', true],
      ['>=1.2, <2.0', '1.9.9', true],
      ['>= 1.2 < 2.0', '2.0.0', false],
      ['1.2.3 - 1.4', '1.4.9', true],
      ['1.2.3 - 1.4', '1.5.0', false],
      ['< 0.5 || >= 1.2', '0.4.0', true],
      ['< 0.5 || >= 1.2', '1.0.0', false],
      ['!=1.2.3', '1.2.4', true],
      ['>1.2', '1.2.5', false], // 1.2 means 1.2.x: nothing in it is greater
      ['<=1.2', '1.2.9', true],
    ];
    for (const [c, v, want] of cases) assert.equal(satisfies(c, v), want, `${v} satisfies ${c}`);
  });

  it('matches a prerelease only against constraints that name one', () => {
    assert.equal(satisfies('>=1.0.0', '1.2.0-beta'), false);
    assert.equal(satisfies('>=1.0.0-0', '1.2.0-beta'), true);
    assert.equal(satisfies('>1.0.0-alpha', '1.0.0-beta'), true);
    assert.equal(satisfies('>1.0.0-alpha.10', '1.0.0-alpha.9'), false); // numeric identifiers compare as numbers
  });

  it('accepts lenient versions and ignores build metadata', () => {
    assert.equal(satisfies('1.2.3', 'v1.2.3'), true);
    assert.equal(satisfies('=1.2', '1.2.0'), true);
    assert.equal(satisfies('^1.2', '1.2.0+build.7'), true);
  });

  it('fails on a bad version or constraint without quoting it', () => {
    assert.throws(
      () => render('{{ semverCompare "^1" .v }}', { v: 'hunter2' }),
      (e: Error) =>
        /error calling semverCompare: Invalid Semantic Version$/.test(e.message) && !e.message.includes('hunter2'),
    );
    assert.throws(
      () => render('{{ semverCompare .c "1.0.0" }}', { c: '^^1' }),
      /error calling semverCompare: improper constraint$/,
    );
  });
});

describe('sprig semver (a *semver.Version value)', () => {
  it('prints as its normalized string and exposes its parts as methods', () => {
    assert.equal(
      render(
        '{{ $v := semver "v1.2.3-beta.1+b5" }}{{ $v }}|{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }}|{{ $v.Prerelease }}|{{ $v.Metadata }}|{{ $v.Original }}',
      ),
      '1.2.3-beta.1+b5|1.2.3|beta.1|b5|v1.2.3-beta.1+b5',
    );
    assert.equal(
      render('{{ semver "2" }} {{ (semver "1.2").String }} {{ printf "%s %T" (semver "1") (semver "1") }}'),
      ['2.0.0', '1.2.0', '1.0.0 *semver.Version'].join(' '),
    );
  });

  it('compares versions through methods taking another version', () => {
    assert.equal(
      render(
        '{{ $a := semver "1.2.3" }}{{ $b := semver "1.10.0" }}{{ $a.Compare $b }} {{ $a.LessThan $b }} {{ $b.GreaterThan $a }} {{ (semver "1.0.0+x").Equal (semver "1.0.0+y") }}',
      ),
      '-1 true true true',
    );
    assert.throws(
      () => render('{{ (semver "1.0.0").Compare "1.0.0" }}'),
      /error calling Compare: wrong type for value; expected \*semver\.Version/,
    );
    assert.throws(() => render('{{ (semver "1.0.0").Major 1 }}'), /wrong number of args for Major: want 0 got 1/);
    assert.throws(() => render('{{ (semver "1.0.0").Nope }}'), /can't evaluate field Nope in type \*semver\.Version/);
  });

  it('bumps versions and keeps a v prefix in Original', () => {
    assert.equal(
      render(
        '{{ $v := semver "v1.2.3-rc.1" }}{{ $v.IncPatch }} {{ $v.IncMinor }} {{ $v.IncMajor.Original }} {{ (semver "1.2.3").IncPatch }}',
      ),
      '1.2.3 1.3.0 v2.0.0 1.2.4',
    );
  });

  it('encodes as its string in JSON and YAML', () => {
    assert.equal(
      render('{{ dict "v" (semver "1.2") | toJson }} {{ list (semver "3") | toYaml }}'),
      '{"v":"1.2.0"} - 3.0.0',
    );
  });
});
