// Test data in a KV v2 mount. A fresh KV v2 mount answers "upgrading" for a moment before it
// accepts writes, so the first write is retried briefly.

import type { Harness } from './harness.ts';

/** Writes `data` at `path` of the KV v2 `mount`, retrying while the new mount is not ready. */
export async function writeKvV2(h: Harness, mount: string, path: string, data: Record<string, unknown>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await h.bao.write(`${mount}/data/${path}`, { data });
      return;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
