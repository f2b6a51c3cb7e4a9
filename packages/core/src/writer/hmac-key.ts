import { randomBytes } from 'node:crypto';
import { BackendError } from '../errors/backend-error.ts';
import type { SecretApi } from './secret-api.ts';

// The HMAC key is kept in a Secret of the controller's namespace so every replica and
// every restart computes the same MACs (otherwise a restart would rewrite every Secret).
export const HMAC_KEY_SECRET = 'lockstep-hmac-key';
const KEY_FIELD = 'key';

export async function loadOrCreateHmacKey(api: SecretApi, namespace: string): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await api.get(namespace, HMAC_KEY_SECRET);
    const stored = existing?.data?.[KEY_FIELD];
    if (stored) return Buffer.from(stored, 'base64');
    try {
      const key = randomBytes(32);
      await api.create(namespace, {
        metadata: { name: HMAC_KEY_SECRET, namespace, labels: { 'app.kubernetes.io/part-of': 'lockstep' } },
        type: 'Opaque',
        data: { [KEY_FIELD]: key.toString('base64') },
      });
      return key;
    } catch (err) {
      // Another replica created it first: read theirs.
      if (!(err instanceof BackendError && err.errorClass === 'Conflict')) throw err;
    }
  }
  throw new BackendError('Conflict', 'kubernetes', `could not create or read Secret "${HMAC_KEY_SECRET}"`);
}
