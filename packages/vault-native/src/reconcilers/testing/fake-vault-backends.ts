// The Vault side of the leased kinds for reconciler unit tests, at the lease engine's own
// boundary (LeaseBackend): dynamic leases from the lease engine's FakeLeaseBackend, which
// behaves like Vault's lease manager, and a PKI engine that issues certificates by serial.
// Errors are built by the client's own classifier from the status Vault would answer.
// Tests only.

import { BackendError, type Clock } from '@lockstep/core';
import { classifyVaultResponse } from '../../client/vault-error.ts';
import type { IssuedCredential, LeaseBackend, RevokeRef } from '../../lease/lease-backend.ts';
import type { FakeLeaseBackend } from '../../lease/testing/fake-lease-backend.ts';
import type { SourceData } from '../secret-data.ts';

/** The error the Vault client throws for an answer with `status` to `method path`. */
export function vaultAnswer(status: number, method: string, path: string, errors: string[] = []): BackendError {
  return classifyVaultResponse(status, { errors }, { method, path, address: 'https://vault.test:8200' });
}

/** A FakeLeaseBackend as the dynamic reconciler sees Vault: the credential's fields as Secret source data. */
export function dynamicLeases(fake: FakeLeaseBackend): LeaseBackend<SourceData> {
  return {
    async issue() {
      const credential = await fake.issue();
      return { ...credential, data: { fields: credential.data, raw: credential.data } };
    },
    renew: (leaseId, incrementSeconds) => fake.renew(leaseId, incrementSeconds),
    revoke: (ref) => fake.revoke(ref),
  };
}

/** A PKI secrets engine: each issue a new certificate valid for `ttlSeconds`; revoked by serial. */
export class FakePkiBackend implements LeaseBackend<SourceData> {
  readonly issued: string[] = [];
  readonly revoked: string[] = [];
  /** Errors thrown by the next calls of each kind, in order. */
  readonly failNext: { issue: Error[]; revoke: Error[] } = { issue: [], revoke: [] };
  readonly #clock: Clock;
  readonly #ttlSeconds: number;

  constructor(clock: Clock, ttlSeconds: number) {
    this.#clock = clock;
    this.#ttlSeconds = ttlSeconds;
  }

  async issue(): Promise<IssuedCredential<SourceData>> {
    const err = this.failNext.issue.shift();
    if (err) throw err;
    const n = this.issued.length + 1;
    const serial = `4f:00:00:00:00:${String(n).padStart(2, '0')}`;
    const now = this.#clock.now();
    const expiration = Math.floor(now.getTime() / 1000) + this.#ttlSeconds;
    const d = {
      certificate: `-----BEGIN CERTIFICATE-----\nleaf-${n}\n-----END CERTIFICATE-----`,
      private_key: `-----BEGIN PRIVATE KEY-----\nkey-material-${n}\n-----END PRIVATE KEY-----`,
      private_key_type: 'ec',
      issuing_ca: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----',
      serial_number: serial,
      expiration,
    };
    this.issued.push(serial);
    return {
      data: { fields: d, raw: d },
      serialNumber: serial,
      ttlSeconds: this.#ttlSeconds,
      renewable: false,
      expiresAt: new Date(expiration * 1000),
      tokenAccessor: 'login-accessor',
    };
  }

  async renew(): Promise<never> {
    throw new BackendError('InvalidInput', 'vault', 'certificates are re-issued, never renewed');
  }

  async revoke(ref: RevokeRef): Promise<void> {
    const err = this.failNext.revoke.shift();
    if (err) throw err;
    if ('serialNumber' in ref) this.revoked.push(ref.serialNumber);
  }
}
