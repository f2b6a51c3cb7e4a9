// The fake store answers from its spec. Pushed values live in the client's memory only, as
// in ESO, so a PushSecret against a fake store can be tested without a backend.

import { BackendError, type FindRef, type RemoteRef, type SecretMap, type SecretsClient } from '@lockstep/core';
import type { FakeProvider as FakeProviderSpec } from '../../api/provider-fake.ts';
import { jsonObjectToMap, parseObjectForPush, selectProperty, tryUtf8, utf8 } from '../json-property.ts';
import { nameMatcher, requireCriteria } from '../name-matcher.ts';

export class FakeClient implements SecretsClient {
  /** `key` + NUL + `version` → value; the empty version is the one read without `version`. */
  private readonly values = new Map<string, string>();

  constructor(spec: FakeProviderSpec) {
    for (const entry of spec.data ?? []) {
      this.values.set(slot(entry.key, entry.version), entry.value ?? '');
    }
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const value = this.values.get(slot(ref.key, ref.version));
    if (value === undefined) {
      const version = ref.version ? ` version "${ref.version}"` : '';
      throw new BackendError('NotFound', 'fake', `fake store: secret "${ref.key}"${version} not found`);
    }
    const payload = utf8(value);
    return ref.property ? selectProperty('fake', ref.key, payload, ref.property) : payload;
  }

  async getSecretMap(ref: RemoteRef): Promise<SecretMap> {
    return jsonObjectToMap('fake', ref.key, await this.getSecret(ref));
  }

  /** Unversioned entries whose key matches `find.name.regexp` (and starts with `find.path`). */
  async getAllSecrets(find: FindRef): Promise<SecretMap> {
    if (find.tags && Object.keys(find.tags).length > 0) {
      throw new BackendError('InvalidInput', 'fake', 'the fake provider has no tags: find by name only');
    }
    requireCriteria('fake', find);
    const matches = nameMatcher('fake', find.name?.regexp);
    const data: SecretMap = {};
    for (const [id, value] of this.values) {
      const [key, version] = id.split('\0') as [string, string];
      if (version !== '' || !matches(key) || (find.path && !key.startsWith(find.path))) continue;
      data[key] = utf8(value);
    }
    return data;
  }

  async pushSecret(value: Uint8Array, ref: { remoteKey: string; property?: string }): Promise<void> {
    const text = tryUtf8(value) ?? Buffer.from(value).toString('base64');
    if (!ref.property) {
      this.values.set(slot(ref.remoteKey), text);
      return;
    }
    const current = this.values.get(slot(ref.remoteKey));
    const doc = parseObjectForPush('fake', ref.remoteKey, current);
    doc[ref.property] = text;
    this.values.set(slot(ref.remoteKey), JSON.stringify(doc));
  }

  async deleteSecret(ref: { remoteKey: string; property?: string }): Promise<void> {
    const current = this.values.get(slot(ref.remoteKey));
    if (current === undefined) return;
    if (!ref.property) {
      this.values.delete(slot(ref.remoteKey));
      return;
    }
    const doc = parseObjectForPush('fake', ref.remoteKey, current);
    delete doc[ref.property];
    if (Object.keys(doc).length === 0) this.values.delete(slot(ref.remoteKey));
    else this.values.set(slot(ref.remoteKey), JSON.stringify(doc));
  }

  async validate(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}

function slot(key: string, version?: string): string {
  return `${key}\0${version ?? ''}`;
}
