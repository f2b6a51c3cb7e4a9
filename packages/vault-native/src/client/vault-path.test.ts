import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeVaultPath, joinPath, pathSegments } from './vault-path.ts';

describe('Vault paths', () => {
  it("keeps a secret name with ', #, ?, % and spaces inside its own path segment", () => {
    assert.equal(encodeVaultPath("kv/data/team a/it's #1?x=%"), '/v1/kv/data/team%20a/it%27s%20%231%3Fx%3D%25');
  });

  it('encodes non-ASCII names as UTF-8', () => {
    assert.equal(encodeVaultPath('kv/data/grüße'), '/v1/kv/data/gr%C3%BC%C3%9Fe');
  });

  it('normalises repeated and trailing slashes', () => {
    assert.deepEqual(pathSegments('/kv//data/app/'), ['kv', 'data', 'app']);
    assert.equal(joinPath('kv/', '/metadata', 'a/b/'), 'kv/metadata/a/b');
  });

  it('refuses dot segments that a proxy would resolve away', () => {
    assert.throws(() => encodeVaultPath('kv/data/../sys/policy'), /may not contain "\.\." segments/);
  });
});
