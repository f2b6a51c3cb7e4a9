import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
// filterPEM does not parse certificates, so any DER-shaped body works as a stand-in.
const certBody = Buffer.alloc(100, 7).toString('base64');
const certPem = `-----BEGIN CERTIFICATE-----\n${certBody.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
const caBody = Buffer.alloc(10, 9).toString('base64');
const caPem = `-----BEGIN CERTIFICATE-----\n${caBody}\n-----END CERTIFICATE-----\n`;

describe('ESO certificate helpers', () => {
  it('filterPEM keeps only the blocks of the asked type, in order', () => {
    const bundle = `${keyPem}${certPem}${caPem}`;
    assert.equal(render('{{ .tls | filterPEM "CERTIFICATE" }}', { tls: bundle }), certPem + caPem);
    assert.equal(render('{{ .tls | filterPEM "PRIVATE KEY" }}', { tls: bundle }), keyPem);
  });

  it('filterPEM matches the type case-insensitively and re-wraps lines at 64 characters', () => {
    const oneLine = `-----BEGIN CERTIFICATE-----\n${certBody}\n-----END CERTIFICATE-----\n`;
    assert.equal(render('{{ filterPEM "certificate" .c }}', { c: oneLine }), certPem);
  });

  it('filterPEM answers nothing when no block matches, and fails on non-PEM input without quoting it', () => {
    assert.equal(render('[{{ filterPEM "PRIVATE KEY" .c }}]', { c: certPem }), '[]');
    assert.throws(
      () => render('{{ filterPEM "CERTIFICATE" .c }}', { c: 'hunter2-not-pem' }),
      (e: Error) => {
        assert.match(e.message, /error calling filterPEM: error filtering pem: found junk/);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
    );
  });

  it('turns a JWK into PEM public and private keys', () => {
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
    assert.equal(render('{{ .jwk | jwkPublicKeyPem }}', { jwk }), publicPem);
    assert.equal(render('{{ .jwk | jwkPrivateKeyPem }}', { jwk }), keyPem);
    assert.throws(() => render('{{ jwkPublicKeyPem "{}" }}'), /not a usable JSON Web Key/);
  });
});
