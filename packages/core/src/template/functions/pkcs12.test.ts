// PKCS#12 round trips and properties. Byte-level compatibility with ESO (reading keystores
// written by OpenSSL and by go-pkcs12, and the same PEM out) is in ../go-fixtures.test.ts;
// here node-forge's own PKCS#12 reader, an implementation independent of ours, checks what we
// write. Inputs are ESO's test certificates (EC P-256 leaf, EC intermediate, Ed25519 root) and
// an RSA pair, taken from the fixture file.

import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import forge from 'node-forge';
import { compileTemplate, type ExecuteOptions } from '../index.ts';

const { fixtures } = JSON.parse(readFileSync(new URL('../testdata/go-fixtures.json', import.meta.url), 'utf8')) as {
  fixtures: { name: string; dataBase64: Record<string, string> }[];
};
const inputs = (name: string): Record<string, string> => {
  const f = fixtures.find((x) => x.name === name)!;
  return Object.fromEntries(Object.entries(f.dataBase64).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
};
const ec = inputs('fullPemToPkcs12'); // crt (leaf), chain (leaf, intermediate, root), key
const rsa = inputs('pemToPkcs12Pass rsa'); // crt, key

const render = (text: string, data: unknown, opts?: ExecuteOptions): string =>
  compileTemplate('t', text).execute(data, { missingKey: 'error', ...opts });
const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN [^-]+-----[^-]+-----END [^-]+-----\n/g) ?? [];
const pkcs8 = (pem: string): string => createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }) as string;

/** A deterministic random source: each call yields new bytes, the same sequence each run. */
const seededRandom = (seed: number) => {
  let n = seed;
  const next = (): number => {
    n = (n * 1103515245 + 12345) % 2 ** 31;
    return n & 0xff;
  };
  return (size: number): Uint8Array => Uint8Array.from({ length: size }, next);
};

describe('ESO PKCS#12 helpers', () => {
  it('writes a keystore that reads back to the same key and the chain ordered leaf to root', () => {
    const [leaf, intermediate, root] = pemBlocks(ec.chain!);
    const scrambled = leaf! + root! + intermediate!; // fullPemToPkcs12 keeps the leaf first
    const data = { chain: scrambled, key: ec.key };
    const out = render(
      '{{ $p := fullPemToPkcs12Pass .chain .key "s3cret" | b64dec }}{{ pkcs12keyPass "s3cret" $p }}{{ pkcs12certPass "s3cret" $p }}',
      data,
    );
    const [key, ...certs] = pemBlocks(out);
    assert.equal(key, pkcs8(ec.key!));
    assert.deepEqual(certs, [leaf, intermediate, root]);
  });

  it('writes what an independent PKCS#12 reader accepts: PBES2/AES-256, HMAC-SHA-256, localKeyId', () => {
    const b64 = render('{{ pemToPkcs12Pass .crt .key "pw" }}', rsa);
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(Buffer.from(b64, 'base64').toString('binary')), 'pw');
    const shrouded = forge.pki.oids.pkcs8ShroudedKeyBag!;
    const certBag = forge.pki.oids.certBag!;
    const keyBags = p12.getBags({ bagType: shrouded })[shrouded]!;
    const certBags = p12.getBags({ bagType: certBag })[certBag]!;
    assert.equal(keyBags.length, 1);
    assert.equal(certBags.length, 1);
    const keyPem = forge.pki.privateKeyInfoToPem(
      forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBags[0]!.key!)),
    );
    assert.equal(pkcs8(keyPem), pkcs8(rsa.key!));
    assert.equal(forge.pki.certificateToPem(certBags[0]!.cert!).replace(/\r\n/g, '\n'), rsa.crt);
    assert.deepEqual(keyBags[0]!.attributes.localKeyId, certBags[0]!.attributes.localKeyId);
    // forge refuses a keystore whose MAC does not match the password.
    assert.throws(() =>
      forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(Buffer.from(b64, 'base64').toString('binary')), 'px'),
    );
  });

  it('takes salts and IVs from the injected random source (random by default)', () => {
    const t = '{{ fullPemToPkcs12 .chain .key }}';
    const a = render(t, ec, { random: seededRandom(1) });
    assert.equal(a, render(t, ec, { random: seededRandom(1) }));
    assert.notEqual(a, render(t, ec, { random: seededRandom(2) }));
    assert.notEqual(render(t, ec), render(t, ec));
  });

  it('pemToPkcs12 keeps only the first certificate; fullPemToPkcs12 keeps them all', () => {
    const count = (fn: string): number => pemBlocks(render(`{{ ${fn} .chain .key | b64dec | pkcs12cert }}`, ec)).length;
    assert.equal(count('pemToPkcs12'), 1);
    assert.equal(count('fullPemToPkcs12'), 3);
  });

  it('accepts PKCS#1, PKCS#8 and SEC 1 private keys', () => {
    const rsaPkcs1 = createPrivateKey(rsa.key!).export({ type: 'pkcs1', format: 'pem' }) as string;
    const ecSec1 = createPrivateKey(ec.key!).export({ type: 'sec1', format: 'pem' }) as string;
    for (const [crt, key] of [
      [rsa.crt, rsaPkcs1],
      [ec.crt, ecSec1],
      [ec.crt, pkcs8(ec.key!)],
    ]) {
      const out = render('{{ pemToPkcs12 .crt .key | b64dec | pkcs12key }}', { crt, key });
      assert.equal(out, pkcs8(key!));
    }
  });

  it('fails on a wrong password or bad input without quoting passwords or data', () => {
    const p = Buffer.from(render('{{ pemToPkcs12Pass .crt .key "right-pass" }}', rsa), 'base64');
    for (const fn of ['pkcs12keyPass', 'pkcs12certPass']) {
      assert.throws(
        () => render(`{{ ${fn} .pw .p }}`, { p, pw: 'wrong-pass' }),
        (e: Error) =>
          /unable to decode pkcs12 (certificate )?with password: pkcs12: decryption password incorrect$/.test(
            e.message,
          ) && !/wrong-pass|right-pass/.test(e.message),
      );
    }
    assert.throws(
      () => render('{{ pkcs12key .p }}', { p: 'hunter2' }),
      (e: Error) => !e.message.includes('hunter2'),
    );
    assert.throws(
      () => render('{{ pemToPkcs12 .c .key }}', { c: 'hunter2', key: rsa.key }),
      /the certificate is not PEM$/,
    );
    assert.throws(
      () => render('{{ pemToPkcs12 .crt .k }}', { crt: rsa.crt, k: 'hunter2' }),
      /the private key is not PEM$/,
    );
    assert.throws(
      () =>
        render('{{ pemToPkcs12 .crt .k }}', {
          crt: rsa.crt,
          k: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
        }),
      /unable to parse private key type$/,
    );
  });

  it('reads a keystore given as bytes or as a string of its bytes', () => {
    const b64 = render('{{ pemToPkcs12 .crt .key }}', rsa);
    const asBytes = render('{{ pkcs12key .p }}', { p: Buffer.from(b64, 'base64') });
    assert.equal(asBytes, render('{{ .b | b64dec | pkcs12key }}', { b: b64 }));
  });
});
