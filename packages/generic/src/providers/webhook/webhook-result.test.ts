// result.jsonPath and the shape of the answer, as ESO's webhook provider reads them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackendError } from '@lockstep/core';
import { compileJsonPath, JsonPathError } from './json-path.ts';
import { resultMap, resultValue } from './webhook-result.ts';

const answer = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const decoded = (map: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]));
const invalid = (message: RegExp) => (err: unknown) =>
  err instanceof BackendError && err.errorClass === 'InvalidInput' && message.test(err.message);

const doc = {
  args: { parameter: 'p-value', count: 3, ratio: 1.5, on: true, none: null },
  data: [
    { key: 'a', value: 'first' },
    { key: 'b', value: 'second' },
  ],
  nested: '{"inner":"from-a-string"}',
};

describe('result.jsonPath', () => {
  test('a path of names and indexes is singular; wildcards, filters and descendants are not', () => {
    assert.equal(compileJsonPath('$.args.parameter').singular, true);
    assert.equal(compileJsonPath("$.data[0]['value']").singular, true);
    assert.equal(compileJsonPath('$.data[*].value').singular, false);
    assert.equal(compileJsonPath('$.data[?(@.key=="b")].value').singular, false);
    assert.equal(compileJsonPath('$..value').singular, false);
  });

  test('refuses what is not RFC 9535, and match()/search() (backtracking regexes)', () => {
    assert.throws(() => compileJsonPath('args.parameter'), JsonPathError);
    assert.throws(() => compileJsonPath('$.data[?match(@.key, "a.*")]'), /uses match\(\).*compare with == instead/);
    assert.throws(() => compileJsonPath('$.data[?search(@.key, "a")]'), /uses search\(\)/);
  });

  test('a templated path is quoted by its template in messages, never by its rendering', () => {
    assert.throws(
      () => compileJsonPath('$.[secret-rendering', '$.{{ .auth.token }}'),
      (err: unknown) =>
        err instanceof JsonPathError &&
        err.message.includes('{{ .auth.token }}') &&
        !err.message.includes('secret-rendering'),
    );
  });
});

describe('one value (data[].remoteRef)', () => {
  test('without jsonPath the whole answer, as it came', () => {
    assert.equal(text(resultValue(answer('plain text'), undefined, 'the answer')), 'plain text');
  });

  test('with jsonPath: strings as they are, numbers and booleans printed, null empty, objects as JSON', () => {
    const pick = (path: string) => text(resultValue(answer(doc), compileJsonPath(path), 'the answer'));
    assert.equal(pick('$.args.parameter'), 'p-value');
    assert.equal(pick('$.args.count'), '3');
    assert.equal(pick('$.args.ratio'), '1.5');
    assert.equal(pick('$.args.on'), 'true');
    assert.equal(pick('$.args.none'), '');
    assert.equal(pick('$.data[1]'), '{"key":"b","value":"second"}');
  });

  test('a list stands for its first element (ESO keeps that for compatibility)', () => {
    const pick = (path: string) => text(resultValue(answer(doc), compileJsonPath(path), 'the answer'));
    assert.equal(pick('$.data[*].value'), 'first');
    assert.equal(pick('$.data[?(@.key=="b")].value'), 'second');
    assert.equal(pick('$.data'), '{"key":"a","value":"first"}');
  });

  test('nothing selected, or an answer that is not JSON, is input to fix', () => {
    assert.throws(
      () => resultValue(answer(doc), compileJsonPath('$.args.missing'), 'the answer'),
      invalid(/result.jsonPath "\$.args.missing" selects nothing in the answer/),
    );
    assert.throws(
      () => resultValue(answer(doc), compileJsonPath('$.data[?(@.key=="z")]'), 'the answer'),
      invalid(/selects nothing/),
    );
    assert.throws(
      () => resultValue(answer('<html>oops</html>'), compileJsonPath('$.a'), 'the answer'),
      invalid(/the answer is not JSON/),
    );
  });
});

describe('a map (dataFrom.extract, the Webhook generator)', () => {
  test('the keys of the answer object, non-strings as JSON', () => {
    assert.deepEqual(decoded(resultMap(answer({ user: 'u', port: 5432, tags: ['a'] }), undefined, 'the answer')), {
      user: 'u',
      port: '5432',
      tags: '["a"]',
    });
  });

  test('the object jsonPath selects, or the JSON object a selected string holds', () => {
    assert.deepEqual(decoded(resultMap(answer(doc), compileJsonPath('$.args'), 'the answer')), {
      parameter: 'p-value',
      count: '3',
      ratio: '1.5',
      on: 'true',
      none: '',
    });
    assert.deepEqual(decoded(resultMap(answer(doc), compileJsonPath('$.nested'), 'the answer')), {
      inner: 'from-a-string',
    });
  });

  test('anything but an object says what it got and what to set', () => {
    assert.throws(
      () => resultMap(answer(['a']), undefined, 'the answer'),
      invalid(/the answer is a list, not a JSON object.*set result.jsonPath/),
    );
    assert.throws(
      () => resultMap(answer(doc), compileJsonPath('$.data[*]'), 'the answer'),
      invalid(/selects in the answer is a list/),
    );
    assert.throws(
      () => resultMap(answer(doc), compileJsonPath('$.args.parameter'), 'the answer'),
      invalid(/selects a string in the answer that is not JSON/),
    );
  });
});
