import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLog } from './audit-log.ts';

const line = (name: string) =>
  JSON.stringify({ verb: 'create', user: { username: 'u' }, objectRef: { resource: 'secrets', namespace: 'a', name } });

function logWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.log');
  writeFileSync(path, text);
  return path;
}

test('fromNow in the middle of a line skips that line’s tail and reads the next ones', () => {
  const first = line('old');
  const path = logWith(`${first.slice(0, 40)}`);
  const log = new AuditLog(path, { fromNow: true });
  appendFileSync(path, `${first.slice(40)}\n${line('new')}\n`);
  assert.deepEqual(
    log.requests().map((r) => r.name),
    ['new'],
  );
});

test('fromNow at a line boundary loses no line', () => {
  const path = logWith(`${line('old')}\n`);
  const log = new AuditLog(path, { fromNow: true });
  appendFileSync(path, `${line('new')}\n${line('newer').slice(0, 30)}`);
  assert.deepEqual(
    log.requests().map((r) => r.name),
    ['new'],
    'a partial last line waits for its end',
  );
});
