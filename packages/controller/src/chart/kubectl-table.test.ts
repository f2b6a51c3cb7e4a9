import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKubectlTables } from './kubectl-table.ts';

describe('parseKubectlTables', () => {
  it('keeps empty cells in their column and multi-word headers whole', () => {
    const [table] = parseKubectlTables(
      [
        'NAME   STORE      REFRESH INTERVAL   READY   REASON   AGE',
        'ces    pc-store   1m                                  4s',
        'other  s          1h                 True    Valid    2m3s',
      ].join('\n'),
    );
    assert.deepEqual(table?.headers, ['NAME', 'STORE', 'REFRESH INTERVAL', 'READY', 'REASON', 'AGE']);
    assert.deepEqual(table?.rows[0], {
      NAME: 'ces',
      STORE: 'pc-store',
      'REFRESH INTERVAL': '1m',
      READY: '',
      REASON: '',
      AGE: '4s',
    });
    assert.equal(table?.rows[1]?.REASON, 'Valid');
  });

  it('splits the per-kind tables of a category listing', () => {
    const tables = parseKubectlTables('NAME   AGE\na/x    1s\n\nNAMESPACE   NAME   AGE\nns          b/y    2s\n');
    assert.equal(tables.length, 2);
    assert.equal(tables[1]?.rows[0]?.NAMESPACE, 'ns');
  });
});
