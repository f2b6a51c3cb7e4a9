import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionMessage, sanitizeConditionMessage } from './condition-message.ts';

describe('ConditionMessage', () => {
  it('replaces known secret values with [redacted]', () => {
    const message = sanitizeConditionMessage('login failed for user app with password hunter2-XYZ at db:5432', [
      'hunter2-XYZ',
    ]);
    assert.equal(message, 'login failed for user app with password [redacted] at db:5432');
  });

  it('catches the base64 and JSON-escaped forms of a value', () => {
    const secret = 's3cr3t\n"value"';
    const b64 = Buffer.from(secret).toString('base64');
    const sanitizer = new ConditionMessage([secret]);
    const out = sanitizer.sanitize(`data.password=${b64}; body={"password":${JSON.stringify(secret)}}`);
    assert.ok(!out.includes(b64));
    assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)));
    assert.equal(out, 'data.password=[redacted]; body={"password":"[redacted]"}');
  });

  it('removes a value whole when another secret is part of it', () => {
    const out = sanitizeConditionMessage('token abcd-efgh-ijkl', ['abcd', 'abcd-efgh-ijkl']);
    assert.equal(out, 'token [redacted]');
  });

  it('accepts binary values and leaves messages without secrets untouched', () => {
    const sanitizer = new ConditionMessage([new TextEncoder().encode('binary-key-material')]);
    assert.equal(sanitizer.sanitize('key binary-key-material leaked'), 'key [redacted] leaked');
    assert.equal(sanitizer.sanitize('mount "kv" not found'), 'mount "kv" not found');
  });

  it('ignores values too short to tell from ordinary text', () => {
    assert.equal(sanitizeConditionMessage('retry 1 of 3', ['1', '']), 'retry 1 of 3');
  });
});
