import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

test('a rotated log is read to its end, then the new file from its start', () => {
  const path = logWith(`${line('before')}\n`);
  const log = new AuditLog(path);
  assert.deepEqual(
    log.take().map((r) => r.name),
    ['before'],
  );
  // Written after the last read, then renamed as kube-apiserver's rotation names it.
  appendFileSync(path, `${line('late')}\n`);
  renameSync(path, join(dirname(path), 'audit-2026-12-05T21-21-43.670.log'));
  writeFileSync(path, `${line('after-rotation')}\n${line('next')}\n`);
  assert.deepEqual(
    log.take().map((r) => r.name),
    ['late', 'after-rotation', 'next'],
  );
  appendFileSync(path, `${line('last')}\n`);
  assert.deepEqual(
    log.take().map((r) => r.name),
    ['last'],
  );
});
