import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidGenerator } from './uuid.ts';

test('UUID answers a fresh version 4 UUID under the key uuid', async () => {
  const ctx = { namespace: 'x', kube: undefined as never };
  const a = Buffer.from((await uuidGenerator.generate({}, ctx)).data.uuid ?? []).toString();
  const b = Buffer.from((await uuidGenerator.generate({}, ctx)).data.uuid ?? []).toString();
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});
