import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, isLogLevel, objectLogger } from './logger.ts';

function memory() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const SECRET = 'pa55-w0rd-that-must-not-leak';

describe('logger', () => {
  it('writes one JSON object per line with level names and respects the level', () => {
    const out = memory();
    const log = createLogger({ level: 'info', name: 'lockstep', destination: out.destination });
    log.debug('hidden');
    log.info({ queue: 'ExternalSecret' }, 'started');
    const [record, ...rest] = out.records();
    assert.equal(rest.length, 0);
    assert.equal(record?.level, 'info');
    assert.equal(record?.msg, 'started');
    assert.equal(record?.name, 'lockstep');
    assert.equal(record?.queue, 'ExternalSecret');
    assert.match(String(record?.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('tags every line of an object logger with kind, namespace, name and reason', () => {
    const out = memory();
    const log = objectLogger(
      createLogger({ destination: out.destination }),
      { kind: 'VaultDynamicSecret', namespace: 'team-a', name: 'db' },
      'LeaseRenewalDue',
    );
    log.info('renewed');
    const [record] = out.records();
    assert.equal(record?.kind, 'VaultDynamicSecret');
    assert.equal(record?.namespace, 'team-a');
    assert.equal(record?.name, 'db');
    assert.equal(record?.reason, 'LeaseRenewalDue');
  });

  it('never shows a known secret value held in secret fields, however deep', () => {
    const out = memory();
    const log = createLogger({ level: 'trace', destination: out.destination });
    const b64 = Buffer.from(SECRET).toString('base64');
    log.info({ secret: { data: { password: b64 }, stringData: { password: SECRET } } }, 'secret object');
    log.info({ password: SECRET, token: SECRET, client_token: SECRET, secret_id: SECRET }, 'top level');
    log.info(
      { response: { body: { auth: { client_token: SECRET, nested: { deeper: { password: SECRET } } } } } },
      'deep',
    );
    log.info({ headers: { 'X-Vault-Token': SECRET, Authorization: `Bearer ${SECRET}` } }, 'headers');
    log.info({ list: [{ secretAccessKey: SECRET }] }, 'array');
    const err = Object.assign(new Error('vault said no'), { response: { data: { password: SECRET } } });
    log.error({ err }, 'failed');
    log.child({ token: SECRET }).info('child bindings');
    assert.equal(out.lines.length, 7);
    for (const line of out.lines) {
      assert.ok(!line.includes(SECRET), `leaked in ${line}`);
      assert.ok(!line.includes(b64), `leaked in ${line}`);
    }
    assert.ok(out.lines.every((line) => line.includes('[redacted]')));
    assert.match(out.lines[5] ?? '', /vault said no/, 'the error message itself is kept');
  });

  it('does not change the object the caller logged', () => {
    const out = memory();
    const log = createLogger({ destination: out.destination });
    const obj = { nested: { deeper: { password: SECRET } } };
    log.info(obj, 'x');
    assert.equal(obj.nested.deeper.password, SECRET);
  });

  it('recognises the --log-level values', () => {
    assert.ok(isLogLevel('debug'));
    assert.ok(!isLogLevel('verbose'));
  });
});
