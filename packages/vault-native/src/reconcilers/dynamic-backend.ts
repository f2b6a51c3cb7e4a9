// The lease engine's backend for VaultDynamicSecret: issue by reading `<mount>/<path>` (GET,
// or POST/PUT with params), renew and revoke through sys/leases with the same login token.

import { BackendError, SpecProblem } from '@lockstep/core';
import type { VaultDynamicSecret } from '../api/vault-dynamic-secret.ts';
import { joinPath } from '../client/vault-path.ts';
import type { TokenHandle } from '../client/vault-types.ts';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import type { SourceData } from './secret-data.ts';
import { crashPoint } from './test-crash-point.ts';
import type { VaultSession } from './vault-session.ts';

/** Fields of a static-creds answer that change on every read without a rotation: kept out of the Secret. */
const VOLATILE_STATIC_FIELDS = ['ttl'];

export function dynamicMethod(spec: VaultDynamicSecret['spec']): 'GET' | 'POST' | 'PUT' {
  if (spec.requestHTTPMethod) return spec.requestHTTPMethod;
  return spec.params && Object.keys(spec.params).length > 0 ? 'POST' : 'GET';
}

export function dynamicBackend(vds: VaultDynamicSecret, session: VaultSession): LeaseBackend<SourceData> {
  const { client, token, opts } = session;
  const spec = vds.spec;
  const path = joinPath(spec.mount, spec.path);
  return {
    async issue(group) {
      const method = dynamicMethod(spec);
      const call = (t: TokenHandle) =>
        client.request<Record<string, unknown>>(method, path, {
          token: t,
          ...opts,
          ...(method === 'GET' ? {} : { body: spec.params ?? {}, idempotent: false }),
        });
      // With a lease group the lease belongs to its child token (a child of the login token,
      // so it still dies with the login token the ledger names).
      const res = group ? await call(group.token) : await token.use(call);
      crashPoint('issue');
      const tokenAccessor = group ? group.parentAccessor : token.accessor();
      const d = res.data ?? {};
      if (spec.allowStaticCreds) {
        const ttl = typeof d.ttl === 'number' ? d.ttl : 0;
        const fields = Object.fromEntries(Object.entries(d).filter(([k]) => !VOLATILE_STATIC_FIELDS.includes(k)));
        return {
          data: { fields, raw: fields, metadata: d },
          ...(res.requestId ? { requestId: res.requestId } : {}),
          ttlSeconds: ttl,
          renewable: false,
          tokenAccessor,
        };
      }
      if (!res.leaseId && spec.refreshAfter === undefined) {
        throw new SpecProblem(
          'NoLease',
          `"${path}" answered without a lease: for database static-creds set allowStaticCreds: true; for other non-leased paths set refreshAfter`,
        );
      }
      return {
        data: { fields: d, raw: d },
        ...(res.leaseId ? { leaseId: res.leaseId } : {}),
        ...(res.requestId ? { requestId: res.requestId } : {}),
        ttlSeconds: res.leaseDuration,
        renewable: res.renewable,
        tokenAccessor,
      };
    },
    ...leaseOps(session),
  };
}

/** Renew, look up and revoke a lease through sys/leases with the session's login token (both models). */
export function leaseOps(
  session: Pick<VaultSession, 'client' | 'token' | 'opts'>,
): Pick<LeaseBackend<SourceData>, 'renew' | 'lookup' | 'revoke'> {
  const { client, token, opts } = session;
  return {
    async renew(leaseId, incrementSeconds) {
      const renewal = await token.use((t) => client.renewLease(t, leaseId, incrementSeconds, opts));
      return { ttlSeconds: renewal.leaseDuration, renewable: renewal.renewable };
    },
    async lookup(leaseId) {
      try {
        const res = await token.use((t) =>
          client.write<{ expire_time?: unknown }>('sys/leases/lookup', { lease_id: leaseId }, { token: t, ...opts }),
        );
        const at = typeof res.data?.expire_time === 'string' ? Date.parse(res.data.expire_time) : Number.NaN;
        return Number.isNaN(at) ? undefined : new Date(at);
      } catch (err) {
        // OpenBao answers 400 "invalid lease" for a lease it no longer holds.
        if (err instanceof BackendError && (err.errorClass === 'InvalidInput' || err.errorClass === 'NotFound')) {
          return undefined;
        }
        throw err;
      }
    },
    async revoke(ref) {
      if (!('leaseId' in ref))
        throw new BackendError('InvalidInput', 'vault', 'a dynamic secret is revoked by lease ID');
      await token.use((t) => client.revokeLease(t, ref.leaseId, opts));
    },
  };
}
