// The lease engine's backend for VaultPKISecret: issue through `<mount>/issue/<role>` (or
// `<mount>/issuer/<ref>/issue/<role>`), revoke by serial through `<mount>/revoke`.
// Certificates carry no lease: the engine rotates them by their validity period.

import { X509Certificate } from 'node:crypto';
import { BackendError } from '@lockstep/core';
import type { VaultPKISecret } from '../api/vault-pki-secret.ts';
import { joinPath } from '../client/vault-path.ts';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import type { SourceData } from './secret-data.ts';
import type { VaultSession } from './vault-session.ts';

export function pkiIssuePath(spec: VaultPKISecret['spec']): string {
  return spec.issuerRef
    ? joinPath(spec.mount, 'issuer', spec.issuerRef, 'issue', spec.role)
    : joinPath(spec.mount, 'issue', spec.role);
}

/** The issue request body (Vault's field names). */
export function pkiIssueBody(spec: VaultPKISecret['spec']): Record<string, unknown> {
  const list = (v: string[] | undefined) => (v?.length ? v.join(',') : undefined);
  const body: Record<string, unknown> = {
    common_name: spec.commonName,
    alt_names: list(spec.altNames),
    ip_sans: list(spec.ipSans),
    uri_sans: list(spec.uriSans),
    other_sans: list(spec.otherSans),
    ttl: spec.ttl,
    not_after: spec.notAfter,
    format: spec.format,
    private_key_format: spec.privateKeyFormat,
    exclude_cn_from_sans: spec.excludeCNFromSans,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
}

export function pkiBackend(vps: VaultPKISecret, session: VaultSession, now: () => Date): LeaseBackend<SourceData> {
  const { client, token, opts } = session;
  return {
    async issue() {
      const res = await token.use((t) =>
        client.write<Record<string, unknown>>(pkiIssuePath(vps.spec), pkiIssueBody(vps.spec), { token: t, ...opts }),
      );
      const d = res.data ?? {};
      const serial = typeof d.serial_number === 'string' ? d.serial_number : '';
      const expiration = typeof d.expiration === 'number' ? d.expiration : 0;
      if (!serial || !expiration) {
        throw new BackendError(
          'InvalidInput',
          'vault',
          `PKI issue at "${pkiIssuePath(vps.spec)}" answered no certificate`,
        );
      }
      const notBefore = certificateNotBefore(d.certificate, vps.spec.format);
      return {
        data: { fields: d, raw: d },
        serialNumber: serial,
        ...(res.requestId ? { requestId: res.requestId } : {}),
        ttlSeconds: Math.max(0, expiration - Math.floor(now().getTime() / 1000)),
        renewable: false,
        expiresAt: new Date(expiration * 1000),
        ...(notBefore ? { notBefore } : {}),
        tokenAccessor: token.accessor(),
      };
    },
    async renew() {
      throw new BackendError('InvalidInput', 'vault', 'certificates are re-issued, never renewed');
    },
    async revoke(ref) {
      if (!('serialNumber' in ref)) return;
      await token.use((t) =>
        client.write(joinPath(vps.spec.mount, 'revoke'), { serial_number: ref.serialNumber }, { token: t, ...opts }),
      );
    },
  };
}

function certificateNotBefore(certificate: unknown, format: string | undefined): Date | undefined {
  if (typeof certificate !== 'string') return undefined;
  try {
    const cert = new X509Certificate(format === 'der' ? Buffer.from(certificate, 'base64') : certificate);
    return new Date(cert.validFrom);
  } catch {
    return undefined;
  }
}

/** VSO's Secret keys for a certificate, plus tls.crt/tls.key/ca.crt for `kubernetes.io/tls`. */
export function pkiSecretFields(d: Record<string, unknown>, secretType: string | undefined): Record<string, unknown> {
  const chain = Array.isArray(d.ca_chain) ? d.ca_chain.filter((c): c is string => typeof c === 'string') : [];
  const fields: Record<string, unknown> = {};
  for (const key of ['certificate', 'private_key', 'private_key_type', 'issuing_ca', 'serial_number'] as const) {
    if (typeof d[key] === 'string' && d[key] !== '') fields[key] = d[key];
  }
  if (chain.length) fields.ca_chain = chain.join('\n');
  if (typeof d.expiration === 'number') fields.expiration = String(d.expiration);
  if (secretType === 'kubernetes.io/tls') {
    // The leaf first, then the chain that vouches for it, as TLS servers expect.
    fields['tls.crt'] = [d.certificate, ...chain].filter((c) => typeof c === 'string' && c !== '').join('\n');
    if (typeof d.private_key === 'string') fields['tls.key'] = d.private_key;
    if (typeof d.issuing_ca === 'string') fields['ca.crt'] = d.issuing_ca;
  }
  return fields;
}
