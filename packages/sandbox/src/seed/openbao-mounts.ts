import { type OpenBaoApi, OpenBaoApiError } from '../peers/openbao-api.ts';

/** Enables a secrets engine; a mount that already exists with the same path is left alone. */
export async function enableSecretsEngine(
  bao: OpenBaoApi,
  path: string,
  type: string,
  options?: Record<string, string>,
): Promise<void> {
  await ignoreInUse(() => bao.write(`sys/mounts/${path}`, { type, ...(options ? { options } : {}) }));
}

/** Enables an auth method at auth/<path>; idempotent like enableSecretsEngine. */
export async function enableAuthMethod(bao: OpenBaoApi, path: string, type: string): Promise<void> {
  await ignoreInUse(() => bao.write(`sys/auth/${path}`, { type }));
}

export async function writePolicy(bao: OpenBaoApi, name: string, hcl: string): Promise<void> {
  await bao.write(`sys/policies/acl/${name}`, { policy: hcl });
}

async function ignoreInUse(enable: () => Promise<unknown>): Promise<void> {
  try {
    await enable();
  } catch (err) {
    // OpenBao answers 400 "path is already in use at <path>/" for a second enable.
    if (err instanceof OpenBaoApiError && err.errors.some((e) => e.includes('already in use'))) return;
    throw err;
  }
}
