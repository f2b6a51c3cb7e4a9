import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insecureTransportRefusal, insecureTransportWarning } from './transport-security.ts';

describe('cleartext Vault addresses', () => {
  test('http:// is flagged with a message that says what travels in cleartext; https:// is not', () => {
    const warning = insecureTransportWarning('http://vault:8200', 'spec.address');
    assert.match(
      warning ?? '',
      /spec\.address "http:\/\/vault:8200" is plain http: Vault tokens .* cleartext; use https:\/\//,
    );
    assert.equal(insecureTransportWarning('HTTP://vault:8200', 'spec.address') !== undefined, true);
    assert.equal(insecureTransportWarning('https://vault:8200', 'spec.address'), undefined);
    assert.equal(insecureTransportWarning(undefined, 'spec.address'), undefined);
  });

  test('only --refuse-insecure-transport turns the warning into a refusal', () => {
    assert.equal(insecureTransportRefusal('http://vault:8200', 'spec.address', {}), undefined);
    assert.match(
      insecureTransportRefusal('http://vault:8200', 'spec.address', { refuseInsecureTransport: true }) ?? '',
      /--refuse-insecure-transport: use an https:\/\/ address/,
    );
    assert.equal(insecureTransportRefusal('https://v', 'spec.address', { refuseInsecureTransport: true }), undefined);
  });
});
