// Renders every case of testdata/go-fixtures.json (produced by ESO v0.16.2's own template
// engine, see testdata/go-fixtures/main.go) with Lockstep's engine, as ESO runs templates:
// data is a map of key to bytes and a missing key is an error.
//
// Outputs are compared byte for byte, except where ESO's output is random by design: a PKCS#12
// keystore (random salts and IVs) is decoded back, ours and Go's, and the keys and certificates
// compared; an htpasswd line (random bcrypt salt) is verified with bcryptjs, ours and Go's.
// Errors must happen in the same cases with the same "error calling <fn>: <cause>" text; the
// cause differs only where Go's library text would quote the input (listed below). The location
// before it is the engine's own on purpose: Go prints the whole command (`<fullPemToPkcs12 .crt
// "-----BEGIN PRIVATE KEY-----...">`, literal arguments included) at a 0-based column, the
// engine names only the function, at a 1-based column.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { compileTemplate } from './index.ts';

interface Fixture {
  name: string;
  template: string;
  dataBase64: Record<string, string>;
  output?: string;
  error?: string;
  check: string;
}

const { fixtures } = JSON.parse(readFileSync(new URL('./testdata/go-fixtures.json', import.meta.url), 'utf8')) as {
  fixtures: Fixture[];
};

/** Go's cause is a library message that names the input (or its bytes); ours does not. */
const causeDiffers: Record<string, string> = {
  'semverCompare rejects a bad constraint': 'Go quotes the constraint',
  'pkcs12key of non-PKCS#12 data': "Go prints encoding/asn1's parse state",
};

const eso = (template: string, data: Record<string, Uint8Array>): string =>
  compileTemplate('out', template).execute(data, { missingKey: 'error' });

const dataOf = (f: Fixture): Record<string, Uint8Array> =>
  Object.fromEntries(Object.entries(f.dataBase64).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

/** From "error calling <fn>: " on; with `causeOnly` false, only up to the cause. */
function callError(message: string, withCause: boolean): string {
  const at = message.indexOf('error calling ');
  assert.ok(at >= 0, message);
  const fromCall = message.slice(at);
  return withCause ? fromCall : fromCall.slice(0, fromCall.indexOf(': ') + 2);
}

function pkcs12Contents(keystoreBase64: string, password: string): string {
  const data = { p: Buffer.from(keystoreBase64, 'base64') };
  const pass = JSON.stringify(password);
  return eso(`{{ .p | pkcs12keyPass ${pass} }}{{ .p | pkcs12certPass ${pass} }}`, data);
}

describe('templates rendered like ESO v0.16.2 renders them (Go fixtures)', () => {
  it('has fixtures for every function of the issue', (t) => {
    const templates = fixtures.map((f) => f.template).join('\n');
    for (const name of [
      'pkcs12key',
      'pkcs12cert',
      'pkcs12keyPass',
      'pkcs12certPass',
      'fullPemToPkcs12',
      'fullPemToPkcs12Pass',
      'filterPEM',
      'jwkPublicKeyPem',
      'jwkPrivateKeyPem',
      'toYaml',
      'fromYaml',
      'addf',
      'divf',
      'round',
      'semver',
      'semverCompare',
      'htpasswd',
    ]) {
      assert.match(templates, new RegExp(`\\b${name}\\b`), name);
    }
    t.diagnostic(`${fixtures.length} fixtures from ESO's Go engine`);
  });

  for (const f of fixtures) {
    it(f.name, () => {
      const data = dataOf(f);
      if (f.error !== undefined) {
        const goError = f.error;
        const withCause = !Object.hasOwn(causeDiffers, f.name);
        assert.throws(
          () => eso(f.template, data),
          (e: Error) => {
            assert.match(e.message, /^template: out:\d+:\d+: executing "out" at </);
            assert.equal(callError(e.message, withCause), callError(goError, withCause));
            return true;
          },
        );
        return;
      }
      const ours = eso(f.template, data);
      const goOutput = f.output!;
      const [kind, ...rest] = f.check.split(':');
      switch (kind) {
        case 'exact':
          assert.equal(ours, goOutput);
          break;
        case 'pkcs12': {
          // Random salts and IVs: both keystores must hold the same key and certificates.
          const password = rest.join(':');
          assert.notEqual(ours, goOutput);
          assert.equal(pkcs12Contents(ours, password), pkcs12Contents(goOutput, password));
          break;
        }
        case 'htpasswd': {
          // A random bcrypt salt: both lines must name the user and verify the password.
          const [user, ...pass] = rest;
          for (const line of [ours, goOutput]) {
            const [lineUser, hash] = line.split(/:(.*)/s);
            assert.equal(lineUser, user);
            assert.match(hash!, /^\$2a\$10\$/);
            assert.ok(bcrypt.compareSync(pass.join(':'), hash!), line);
          }
          break;
        }
        default:
          assert.fail(`unknown check ${f.check}`);
      }
    });
  }
});
