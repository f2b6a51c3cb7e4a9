// A SecretApi over a Map, for reconciler unit tests: it behaves like the API server where
// reconcilers depend on it (uids, resourceVersions, optimistic replace, delete
// preconditions) and records every write, so a test can assert "written exactly once".

import type { V1Secret } from '@kubernetes/client-node';
import { BackendError } from '../errors/backend-error.ts';
import type { SecretApi } from '../writer/secret-api.ts';

export type SecretWriteOperation = 'create' | 'replace' | 'delete';

export interface RecordedSecretWrite {
  operation: SecretWriteOperation;
  namespace: string;
  name: string;
  /** The Secret as stored after the write (absent for a delete). */
  secret?: V1Secret;
}

export class InMemorySecretApi implements SecretApi {
  readonly writes: RecordedSecretWrite[] = [];
  readonly #secrets = new Map<string, V1Secret>();
  readonly #failures: Array<{ operation: SecretWriteOperation | 'get'; error: Error }> = [];
  #version = 0;

  /** Stores a Secret as if somebody else created it: not recorded as a write. Returns the stored copy. */
  put(secret: V1Secret): V1Secret {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    const stored = this.#stamp(namespace, secret, this.#secrets.get(keyOf(namespace, name))?.metadata?.uid);
    this.#secrets.set(keyOf(namespace, name), stored);
    return structuredClone(stored);
  }

  /** The stored Secret (a copy), without going through `get`'s failure injection. */
  peek(namespace: string, name: string): V1Secret | undefined {
    const found = this.#secrets.get(keyOf(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /** Every stored Secret (copies), as a watch would list them. */
  list(): V1Secret[] {
    return [...this.#secrets.values()].map((s) => structuredClone(s));
  }

  /** Removes a Secret as if somebody else deleted it: not recorded as a write. */
  remove(namespace: string, name: string): void {
    this.#secrets.delete(keyOf(namespace, name));
  }

  /** The next call of `operation` throws `error` (once). */
  failNext(operation: SecretWriteOperation | 'get', error: Error): void {
    this.#failures.push({ operation, error });
  }

  /** Writes of one operation (or all), for "exactly once" assertions. */
  writesOf(operation?: SecretWriteOperation): RecordedSecretWrite[] {
    return operation ? this.writes.filter((w) => w.operation === operation) : [...this.writes];
  }

  async get(namespace: string, name: string): Promise<V1Secret | undefined> {
    this.#maybeFail('get');
    return this.peek(namespace, name);
  }

  async create(namespace: string, body: V1Secret): Promise<V1Secret> {
    this.#maybeFail('create');
    const name = body.metadata?.name ?? '';
    if (this.#secrets.has(keyOf(namespace, name))) {
      throw new BackendError('Conflict', 'kubernetes', `create Secret "${name}": secrets "${name}" already exists`);
    }
    const stored = this.#stamp(namespace, body);
    this.#secrets.set(keyOf(namespace, name), stored);
    this.writes.push({ operation: 'create', namespace, name, secret: structuredClone(stored) });
    return structuredClone(stored);
  }

  async replace(namespace: string, name: string, body: V1Secret): Promise<V1Secret> {
    this.#maybeFail('replace');
    const current = this.#secrets.get(keyOf(namespace, name));
    if (!current) throw new BackendError('NotFound', 'kubernetes', `update Secret "${name}": not found`);
    const expected = body.metadata?.resourceVersion;
    if (expected !== undefined && expected !== current.metadata?.resourceVersion) {
      throw new BackendError('Conflict', 'kubernetes', `update Secret "${name}": the object has been modified`);
    }
    if (current.immutable) {
      throw new BackendError('InvalidInput', 'kubernetes', `update Secret "${name}": field is immutable`);
    }
    const stored = this.#stamp(namespace, body, current.metadata?.uid);
    this.#secrets.set(keyOf(namespace, name), stored);
    this.writes.push({ operation: 'replace', namespace, name, secret: structuredClone(stored) });
    return structuredClone(stored);
  }

  async delete(
    namespace: string,
    name: string,
    preconditions?: { uid?: string; resourceVersion?: string },
  ): Promise<void> {
    this.#maybeFail('delete');
    const current = this.#secrets.get(keyOf(namespace, name));
    if (!current) return;
    const mismatch =
      (preconditions?.uid !== undefined && preconditions.uid !== current.metadata?.uid) ||
      (preconditions?.resourceVersion !== undefined &&
        preconditions.resourceVersion !== current.metadata?.resourceVersion);
    if (mismatch) throw new BackendError('Conflict', 'kubernetes', `delete Secret "${name}": precondition failed`);
    this.#secrets.delete(keyOf(namespace, name));
    this.writes.push({ operation: 'delete', namespace, name });
  }

  #maybeFail(operation: SecretWriteOperation | 'get'): void {
    const i = this.#failures.findIndex((f) => f.operation === operation);
    if (i < 0) return;
    const [failure] = this.#failures.splice(i, 1);
    throw failure?.error;
  }

  /** A copy with the server-set fields: the same uid across replaces, a new resourceVersion per write. */
  #stamp(namespace: string, body: V1Secret, uid?: string): V1Secret {
    const copy = structuredClone(body);
    const name = copy.metadata?.name ?? '';
    copy.metadata = {
      ...copy.metadata,
      namespace,
      name,
      uid: uid ?? copy.metadata?.uid ?? `uid-${namespace}-${name}-${this.#version + 1}`,
      resourceVersion: String(++this.#version),
    };
    return copy;
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
