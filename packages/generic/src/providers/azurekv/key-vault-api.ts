// The Key Vault calls the azurekv client makes, as one narrow interface: the production
// implementation (sdkKeyVaultApi) is the official @azure/keyvault-* clients; unit tests fake
// this interface, never the SDK's HTTP.

import type { TokenCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { type JsonWebKey, KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';

export interface VaultAttributes {
  enabled?: boolean;
  createdOn?: Date;
  updatedOn?: Date;
  expiresOn?: Date;
  notBefore?: Date;
}

export interface VaultObject {
  tags: Record<string, string>;
  attributes: VaultAttributes;
}

export interface SecretObject extends VaultObject {
  value: string | undefined;
  contentType?: string;
}

export interface KeyObject extends VaultObject {
  /** The JWK as ESO's Go client marshals it (snake_case names, base64url bytes). */
  jwk: Record<string, unknown>;
}

export interface CertificateObject extends VaultObject {
  /** DER bytes of the X.509 certificate (Key Vault's `cer`). */
  cer: Uint8Array | undefined;
}

export interface SecretListing {
  name: string;
  enabled: boolean;
  tags: Record<string, string>;
}

export interface SetSecretInput {
  value: string;
  tags: Record<string, string>;
  contentType?: string;
  expiresOn?: Date;
}

export interface KeyVaultApi {
  /** Without `version`, the current one. */
  getSecret(name: string, version?: string): Promise<SecretObject>;
  listSecrets(): AsyncIterable<SecretListing>;
  setSecret(name: string, input: SetSecretInput): Promise<void>;
  /** Starts the (soft) delete; does not wait for it to finish. */
  deleteSecret(name: string): Promise<void>;
  getKey(name: string, version?: string): Promise<KeyObject>;
  getCertificate(name: string, version?: string): Promise<CertificateObject>;
}

export interface SdkOptions {
  /** Azure Stack and test vaults answer challenges for a resource that is not *.vault.azure.net. */
  disableChallengeResourceVerification?: boolean;
  /** The SDK's own retries of 429/5xx/network failures (default 3); the work queue backs off too. */
  maxRetries?: number;
}

export function sdkKeyVaultApi(vaultUrl: string, credential: TokenCredential, options: SdkOptions = {}): KeyVaultApi {
  const clientOptions = {
    ...(options.disableChallengeResourceVerification ? { disableChallengeResourceVerification: true } : {}),
    ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
  };
  const secrets = new SecretClient(vaultUrl, credential, clientOptions);
  const keys = new KeyClient(vaultUrl, credential, clientOptions);
  const certificates = new CertificateClient(vaultUrl, credential, clientOptions);
  return {
    async getSecret(name, version) {
      const secret = await secrets.getSecret(name, version ? { version } : {});
      const p = secret.properties;
      return {
        value: secret.value,
        tags: p.tags ?? {},
        attributes: attributesOf(p),
        ...(p.contentType ? { contentType: p.contentType } : {}),
      };
    },
    async *listSecrets() {
      for await (const p of secrets.listPropertiesOfSecrets()) {
        yield { name: p.name, enabled: p.enabled !== false, tags: p.tags ?? {} };
      }
    },
    async setSecret(name, input) {
      await secrets.setSecret(name, input.value, {
        tags: input.tags,
        ...(input.contentType ? { contentType: input.contentType } : {}),
        ...(input.expiresOn ? { expiresOn: input.expiresOn } : {}),
      });
    },
    async deleteSecret(name) {
      await secrets.beginDeleteSecret(name);
    },
    async getKey(name, version) {
      const key = await keys.getKey(name, version ? { version } : {});
      return { jwk: jwkJson(key.key ?? {}), tags: key.properties.tags ?? {}, attributes: attributesOf(key.properties) };
    },
    async getCertificate(name, version) {
      const cert = version
        ? await certificates.getCertificateVersion(name, version)
        : await certificates.getCertificate(name);
      return { cer: cert.cer, tags: cert.properties.tags ?? {}, attributes: attributesOf(cert.properties) };
    },
  };
}

function attributesOf(p: VaultAttributes): VaultAttributes {
  return {
    ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
    ...(p.createdOn ? { createdOn: p.createdOn } : {}),
    ...(p.updatedOn ? { updatedOn: p.updatedOn } : {}),
    ...(p.expiresOn ? { expiresOn: p.expiresOn } : {}),
    ...(p.notBefore ? { notBefore: p.notBefore } : {}),
  };
}

/**
 * ESO returns `key/<name>` as the JSON of Go's JSONWebKey: its field order and names
 * (`key_ops`, `key_hsm`) and byte fields in unpadded base64url. The same JSON here means the
 * same Secret bytes, so templates written for ESO (jwkPublicKeyPem) keep working.
 */
export function jwkJson(key: JsonWebKey): Record<string, unknown> {
  const b64 = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('base64url') : undefined);
  const fields: [string, unknown][] = [
    ['kid', key.kid],
    ['kty', key.kty],
    ['key_ops', key.keyOps],
    ['n', b64(key.n)],
    ['e', b64(key.e)],
    ['d', b64(key.d)],
    ['dp', b64(key.dp)],
    ['dq', b64(key.dq)],
    ['qi', b64(key.qi)],
    ['p', b64(key.p)],
    ['q', b64(key.q)],
    ['k', b64(key.k)],
    ['key_hsm', b64(key.t)],
    ['crv', key.crv],
    ['x', b64(key.x)],
    ['y', b64(key.y)],
  ];
  return Object.fromEntries(fields.filter(([, v]) => v !== undefined));
}
