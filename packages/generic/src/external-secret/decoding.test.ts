import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodingError, decodeValue } from './decoding.ts';
import { convertKey, invalidSecretKeyReason } from './secret-keys.ts';

const b = (s: string) => Buffer.from(s);
const text = (u: Uint8Array) => Buffer.from(u).toString();

describe('decodingStrategy', () => {
  test('None keeps the bytes', () => assert.equal(text(decodeValue(b('aGVsbG8='), 'None', 'k')), 'aGVsbG8='));
  test('Base64 decodes', () => assert.equal(text(decodeValue(b('aGVsbG8='), 'Base64', 'k')), 'hello'));
  test('Base64URL decodes', () => {
    const encoded = Buffer.from('??>>').toString('base64url');
    assert.match(encoded, /[-_]/);
    assert.equal(text(decodeValue(b(encoded), 'Base64URL', 'k')), '??>>');
  });
  test('Auto keeps a value that is not Base64', () =>
    assert.equal(text(decodeValue(b('not base64!'), 'Auto', 'k')), 'not base64!'));
  test('Base64 on a non-Base64 value fails naming the key, not the value', () => {
    assert.throws(
      () => decodeValue(b('s3cr3t value!'), 'Base64', 'password'),
      (err: Error) =>
        err instanceof DecodingError && err.message.includes('"password"') && !err.message.includes('s3cr3t'),
    );
  });
});

describe('Secret keys', () => {
  test('valid keys pass', () => assert.equal(invalidSecretKeyReason('tls.crt'), undefined));
  test('a slash is refused with a hint', () => assert.match(invalidSecretKeyReason('a/b') ?? '', /rewrite/));
  test('Default conversion replaces invalid characters', () =>
    assert.equal(convertKey('db/pass word', 'Default'), 'db_pass_word'));
  test('Unicode conversion encodes code points', () => assert.equal(convertKey('a/b', 'Unicode'), 'a_U002f_b'));
});
