import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createEventRecorder } from '../runtime/event-recorder.ts';
import { writeSecret } from '../writer/secret-writer.ts';
import { setCondition } from './conditions.ts';
import { SensitiveValues, scrubCredentialShapes, scrubMessageHead, sensitiveValues } from './sensitive-values.ts';

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

  it('finds one of thousands of values that share their start and length', () => {
    // One comparison per needle at each "value-" in a message was half a second for 32 KiB.
    const values = new SensitiveValues();
    values.remember(Array.from({ length: 2000 }, (_, i) => `value-${String(i).padStart(4, '0')}`));
    const filler = 'value-'.repeat(1000);
    assert.equal(
      values.scrub(`a value-1234 b value-0042 c value-9999 ${filler}`),
      `a [redacted] b [redacted] c value-9999 ${filler}`,
    );
  });

  it('forgets a value for good when others with its start stay', () => {
    const values = new SensitiveValues({ maxNeedles: 6 });
    values.remember(['shared-start-1', 'shared-start-2']);
    values.remember(['shared-start-3', 'shared-start-4']);
    assert.equal(values.scrub('shared-start-1 shared-start-4'), 'shared-start-1 [redacted]');
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

  it('a huge message is scanned only as far as a reader sees, and a value cut in two at the scan end is dropped', () => {
    const long = `L-${'l'.repeat(4998)}`;
    const cut = 'cut-in-two-secret-value-0123456789';
    sensitiveValues.remember([long, cut]);
    const scanned = 100 + 2 * 4096;
    // `long` shrinks by thousands of characters when redacted: the start of `cut` moves left.
    const head = `${long} ${'x'.repeat(scanned - long.length - 1 - 20)}`;
    const message = `${head}${cut}${'y'.repeat(1024 * 1024)}`;
    const out = scrubMessageHead(message, 100);
    assert.ok(!out.includes(cut.slice(0, 20)), 'no part of the value cut by the scan');
    assert.ok(!out.includes('y'), 'nothing past the scan');
    assert.ok(out.startsWith('[redacted]') && out.endsWith('...'));
    assert.ok(out.length >= 100, `what a reader sees is kept (${out.length})`);
    const [ready] = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Failed', message }, NOW);
    const shown = ready?.message ?? '';
    assert.ok(shown.endsWith('...') && shown.length <= 32768);
    assert.ok(!shown.includes(cut.slice(0, 20)));
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
