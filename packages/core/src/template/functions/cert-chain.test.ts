// filterCertChain on ESO's test chain (EC leaf, EC intermediate, Ed25519 root; see
// ../go-fixtures.test.ts for the same cases compared with ESO's output).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const { fixtures } = JSON.parse(readFileSync(new URL('../testdata/go-fixtures.json', import.meta.url), 'utf8')) as {
  fixtures: { name: string; dataBase64: Record<string, string> }[];
};
const chain = Buffer.from(fixtures.find((f) => f.name === 'fullPemToPkcs12')!.dataBase64.chain!, 'base64').toString();
const [leaf, intermediate, root] = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;

const render = (text: string, data: unknown): string => compileTemplate('t', text).execute(data);
const pick = (which: string, bundle: string): string => render(`{{ filterCertChain "${which}" .b }}`, { b: bundle });

describe('ESO filterCertChain', () => {
  it('finds leaf, intermediates and root whatever the order of the bundle', () => {
    for (const bundle of [
      leaf! + intermediate! + root!,
      root! + leaf! + intermediate!,
      intermediate! + root! + leaf!,
    ]) {
      assert.equal(pick('leaf', bundle), leaf);
      assert.equal(pick('intermediate', bundle), intermediate);
      assert.equal(pick('root', bundle), root);
      assert.equal(pick('other', bundle), '');
    }
  });

  it('answers nothing for a part the bundle lacks', () => {
    assert.equal(pick('leaf', root!), '');
    assert.equal(pick('intermediate', leaf! + intermediate!), intermediate);
    assert.equal(pick('root', leaf! + intermediate!), '');
  });

  it('fails on certificates that form no single chain, or on what is not a certificate', () => {
    assert.throws(() => pick('leaf', leaf! + root!), /found multiple leaf or disjunct certificates/);
    assert.throws(() => pick('leaf', ''), /no leaf certificate found/);
    const notACert = '-----BEGIN CERTIFICATE-----\naHVudGVyMg==\n-----END CERTIFICATE-----\n';
    assert.throws(
      () => pick('leaf', notACert),
      (e: Error) => /x509: malformed certificate$/.test(e.message) && !e.message.includes('aHVudGVyMg'),
    );
  });
});
