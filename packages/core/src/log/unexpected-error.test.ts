import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUnexpected, isProgrammingError } from './unexpected-error.ts';

describe('describeUnexpected', () => {
  it('keeps the type and where it was thrown, never the message that may quote a secret', () => {
    let caught: unknown;
    try {
      JSON.parse('hunter2-super-secret');
    } catch (err) {
      caught = err;
    }
    const summary = describeUnexpected(caught);
    assert.equal(summary.type, 'SyntaxError');
    assert.ok(summary.stack && summary.stack.length > 0 && summary.stack.every((l) => l.startsWith('at ')));
    assert.doesNotMatch(JSON.stringify(summary), /hunter2/);
  });

  it('describes values that are not errors by their type only', () => {
    assert.deepEqual(describeUnexpected('s3cr3t-value'), { type: 'string' });
    assert.deepEqual(describeUnexpected(undefined), { type: 'undefined' });
  });

  it('keeps a string error code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(describeUnexpected(err).code, 'ECONNREFUSED');
  });

  it('tells programming errors from errors a backend explains', () => {
    assert.equal(isProgrammingError(new TypeError('x is undefined')), true);
    assert.equal(isProgrammingError('thrown string'), true);
    assert.equal(isProgrammingError(new Error('socket hang up')), false);
  });
});
