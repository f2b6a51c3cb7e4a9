import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createEventRecorder } from '../runtime/event-recorder.ts';
import { writeSecret } from '../writer/secret-writer.ts';
import { setCondition } from './conditions.ts';
import { SensitiveValues, scrubCredentialShapes, sensitiveValues } from './sensitive-values.ts';

const NOW = new Date('2026-11-01T00:00:00Z');

describe('SensitiveValues', () => {
  it('redacts remembered values in plain, base64 and JSON-escaped form', () => {
    const values = new SensitiveValues();
    values.remember(['hunter2-XYZ', new TextEncoder().encode('line1\n"two"')]);
    const b64 = Buffer.from('hunter2-XYZ').toString('base64');
    assert.equal(
      values.scrub(`password hunter2-XYZ, as data ${b64}, quoted ${JSON.stringify('line1\n"two"')}`),
      'password [redacted], as data [redacted], quoted "[redacted]"',
    );
  });

  it('leaves short values alone: they would blank ordinary words in every message', () => {
    const values = new SensitiveValues();
    values.remember(['true', 'admin']);
    assert.equal(values.scrub('admin is true'), 'admin is true');
  });

  it('forgets the least recently remembered values past its bound', () => {
    const values = new SensitiveValues({ maxNeedles: 100 });
    values.remember(['first-value-000']);
    for (let i = 0; i < 100; i++) values.remember([`value-number-${i}`]);
    assert.equal(values.scrub('first-value-000'), 'first-value-000');
    assert.equal(values.scrub('value-number-99'), '[redacted]');
    assert.equal(values.size, 100);
  });

  it('removes a long value quoted from its start even past the remembered prefix', () => {
    const values = new SensitiveValues();
    const long = 'A'.repeat(10_000);
    values.remember([long]);
    assert.ok(!values.scrub(`value: ${long}`).includes('A'.repeat(4097)));
  });

  it('removes credential shapes nobody remembered: Vault tokens, JWTs, bearer headers, PEM private keys', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl';
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    const out = scrubCredentialShapes(
      `token hvs.CAESIJlWh3qg5g0bMvZqUoXbZmAaaaaa, jwt ${jwt}, Authorization: Bearer abcdefghijkl, key ${pem} end`,
    );
    assert.equal(out, 'token [redacted], jwt [redacted], Authorization: [redacted], key [redacted] end');
  });

  it('cuts an unterminated PEM private key to the end of the message', () => {
    assert.equal(scrubCredentialShapes('x -----BEGIN PRIVATE KEY-----\nMIIEvQ'), 'x [redacted]');
  });
});

describe('every condition and Event goes through the scrub', () => {
  afterEach(() => sensitiveValues.clear());

  it('setCondition redacts a value the Secret writer wrote, whoever builds the message', async () => {
    const api = {
      create: async (_ns: string, body: object) => body,
      replace: async (_ns: string, _n: string, body: object) => body,
    };
    await writeSecret(api as never, {
      desired: { namespace: 'ns', name: 's', data: { password: new TextEncoder().encode('pa55-word-777') } },
      creationPolicy: 'Owner',
      owner: { apiVersion: 'v1', kind: 'ExternalSecret', name: 'es', uid: 'u1' },
      existing: undefined,
      macKey: new Uint8Array(32),
    });
    const [ready] = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Failed', message: 'backend said: pa55-word-777 is wrong' },
      NOW,
    );
    assert.equal(ready?.message, 'backend said: [redacted] is wrong');
  });

  it('the event recorder redacts remembered values and credential shapes', () => {
    sensitiveValues.remember(['event-secret-42']);
    const sent: Array<{ message: string }> = [];
    const recorder = createEventRecorder(
      { create: async (_ns, event) => sent.push(event as { message: string }) },
      { now: () => NOW },
    );
    recorder.warning({ apiVersion: 'v1', kind: 'X', namespace: 'ns', name: 'x' }, 'Failed', 'got event-secret-42');
    recorder.warning(
      { apiVersion: 'v1', kind: 'X', namespace: 'ns', name: 'y' },
      'Failed',
      'hvs.AAAAAAAAAAAAAAAAAAAAAAAA',
    );
    assert.deepEqual(
      sent.map((e) => e.message),
      ['got [redacted]', '[redacted]'],
    );
  });
});
