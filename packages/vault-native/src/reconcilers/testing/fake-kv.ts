// A KV engine for VaultStaticSecret unit tests, at the reconciler's KV reader seam: secrets by
// path with a version per write, and the errors the Vault client would throw. Tests only.

import type { VaultStaticSecret } from '../../api/vault-static-secret.ts';
import type { SourceData } from '../secret-data.ts';
import { vaultAnswer } from './fake-vault-backends.ts';

export class FakeKv {
  /** Reads served (or failed), in order, by path. */
  readonly reads: string[] = [];
  readonly #secrets = new Map<string, { fields: Record<string, unknown>; version: number }>();
  readonly #failures: Error[] = [];

  /** Writes a new version of `mount/path`. */
  put(mount: string, path: string, fields: Record<string, unknown>): void {
    const key = `${mount}/${path}`;
    this.#secrets.set(key, { fields: { ...fields }, version: (this.#secrets.get(key)?.version ?? 0) + 1 });
  }

  /** The next read fails with `err` (once). */
  failNext(err: Error): void {
    this.#failures.push(err);
  }

  /** The reconciler's KV reader: pass as `ctx.readKv`. */
  readonly read = async (vss: VaultStaticSecret): Promise<SourceData> => {
    const { mount, path, type } = vss.spec;
    const apiPath = type === 'kv-v2' ? `${mount}/data/${path}` : `${mount}/${path}`;
    this.reads.push(apiPath);
    const err = this.#failures.shift();
    if (err) throw err;
    const found = this.#secrets.get(`${mount}/${path}`);
    if (!found) throw vaultAnswer(404, 'GET', apiPath);
    const metadata = { version: found.version, created_time: '2026-01-01T00:00:00Z' };
    return type === 'kv-v2'
      ? { fields: { ...found.fields }, raw: { data: found.fields, metadata }, metadata }
      : { fields: { ...found.fields }, raw: { ...found.fields } };
  };
}
