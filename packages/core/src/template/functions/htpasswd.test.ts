import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { compileTemplate, type ExecuteOptions, TemplateError } from '../index.ts';

const render = (text: string, data: unknown = {}, opts?: ExecuteOptions): string =>
  compileTemplate('t', text).execute(data, opts);
const fixedRandom = (size: number): Uint8Array => new Uint8Array(size).fill(7);

describe('sprig htpasswd and bcrypt', () => {
  it('writes user:bcrypt-hash lines that verify the password', () => {
    const line = render('{{ htpasswd "admin" .p }}', { p: 's3cr3t pa55' });
    const [user, hash] = line.split(/:(.*)/s);
    assert.equal(user, 'admin');
    assert.match(hash!, /^\$2a\$10\$[./A-Za-z0-9]{53}$/); // Go's x/crypto format and default cost
    assert.ok(bcrypt.compareSync('s3cr3t pa55', hash!));
    assert.ok(!bcrypt.compareSync('s3cr3t pa56', hash!));
  });

  it('takes its salt from the injected random source', () => {
    const t = '{{ bcrypt .p }}';
    const a = render(t, { p: 'x' }, { random: fixedRandom });
    assert.equal(a, render(t, { p: 'x' }, { random: fixedRandom }));
    assert.notEqual(a, render(t, { p: 'x' })); // the default source is crypto.randomBytes
    assert.ok(bcrypt.compareSync('x', a));
  });

  it('answers Sprig texts instead of failing for a colon in the user and an over-long password', () => {
    assert.equal(render('{{ htpasswd "ad:min" "x" }}'), 'invalid username: ad:min');
    assert.equal(
      render('{{ htpasswd "u" .p }}', { p: 'x'.repeat(73) }),
      'u:failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes',
    );
  });

  it('limits the number of hashes of one execution, since each blocks the event loop', () => {
    const t = '{{ range until 3 }}{{ bcrypt "x" }}{{ end }}';
    assert.throws(
      () => render(t, {}, { limits: { maxPasswordHashes: 2 }, random: fixedRandom }),
      (e: unknown) => e instanceof TemplateError && e.kind === 'limit' && /maxPasswordHashes/.test(e.message),
    );
  });
});
