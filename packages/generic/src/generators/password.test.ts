import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generatePassword, passwordGenerator, validatePasswordSpec } from './password.ts';

const spec = { length: 24, noUpper: false, allowRepeat: false, encoding: 'raw' as const };

describe('Password generator', () => {
  test('generates the requested length with 25% digits and symbols by default', () => {
    const pw = generatePassword(spec);
    assert.equal(pw.length, 24);
    assert.equal(pw.replace(/[^0-9]/g, '').length, 6);
  });

  test('without allowRepeat no character repeats', () => {
    const pw = generatePassword(spec);
    assert.equal(new Set(pw).size, pw.length);
  });

  test('two generations differ', () => assert.notEqual(generatePassword(spec), generatePassword(spec)));

  test('noUpper leaves out capitals', () => {
    assert.doesNotMatch(generatePassword({ ...spec, noUpper: true, symbols: 0 }), /[A-Z]/);
  });

  test('an impossible spec says what to fix', () => {
    assert.match(validatePasswordSpec({ ...spec, length: 4, digits: 3, symbols: 3 }).join(), /exceed length/);
  });

  test('secretKeys and encoding shape the generated data', async () => {
    const { data } = await passwordGenerator.generate(
      { ...spec, secretKeys: ['a', 'b'], encoding: 'hex' },
      { namespace: 'x', kube: undefined as never },
    );
    assert.deepEqual(Object.keys(data), ['a', 'b']);
    assert.match(Buffer.from(data.a!).toString(), /^[0-9a-f]{48}$/);
  });
});
