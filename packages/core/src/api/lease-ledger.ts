// The lease ledger: what the lease engine needs to resume after a restart or a leader
// change without re-issuing anything (SPEC §2, lease engine 5). It lives in each
// resource's `status.lockstep.ledger`, written in the same status patch as the Secret's
// MAC, so the ledger and the written Secret never disagree about which credential is live.

import { type Static, Type } from 'typebox';
import { Int64, StringEnum, Timestamp } from './schema-helpers.ts';

const entryFields = {
  leaseId: Type.Optional(
    Type.String({ description: 'Vault lease ID; empty for material without a lease (PKI, static creds).' }),
  ),
  serialNumber: Type.Optional(Type.String({ description: 'PKI certificate serial, the revocation handle.' })),
  requestId: Type.Optional(Type.String({ description: 'Vault request ID of the issuing call.' })),
  issuedAt: Timestamp({ description: 'When the credential was issued.' }),
  ttlSeconds: Int64({ minimum: 0, description: 'Lease duration granted by the last issue or renewal.' }),
  renewable: Type.Boolean({ description: 'Whether Vault allows renewing the lease.' }),
  expiresAt: Type.Optional(Timestamp({ description: 'When the credential stops working.' })),
  lastRenewedAt: Type.Optional(Timestamp()),
  tokenAccessor: Type.Optional(
    Type.String({
      description:
        'Accessor of the Vault login token that created the lease: leases die with their token, so the engine replaces leases whose token is about to expire.',
    }),
  ),
  issuerAccessor: Type.Optional(
    Type.String({
      description:
        'Accessor of the child token the credential was issued with (its lease group, a child of the login token): revoking it revokes the lease.',
    }),
  ),
  issuerExpiresAt: Type.Optional(
    Timestamp({ description: 'When the issuing child token expires: the lease dies with it at the latest.' }),
  ),
};

export const LedgerEntrySchema = Type.Object(entryFields);
export type LedgerEntry = Static<typeof LedgerEntrySchema>;

export const PreviousLeaseSchema = Type.Object({
  ...entryFields,
  supersededAt: Timestamp({ description: 'When a newer credential replaced this one.' }),
  revokeAfter: Type.Optional(
    Timestamp({ description: 'Revoke no earlier than this (grace period when there are no rollout targets).' }),
  ),
  state: StringEnum(['AwaitingRollout', 'AwaitingGrace', 'Revoking', 'Expired'] as const, {
    description: 'Where the revocation stands: the previous lease is revoked only after the rollout finished.',
  }),
  reason: Type.Optional(
    Type.String({ description: 'Why it was superseded: LeaseCapped, SpecChanged, TokenExpiring...' }),
  ),
});
export type PreviousLease = Static<typeof PreviousLeaseSchema>;

export const LeaseLedgerSchema = Type.Object(
  {
    ...entryFields,
    rotationId: Type.Optional(
      Type.String({ description: 'Unique per rotation; the value of `lockstep.dev/restartedAt` for this rotation.' }),
    ),
    previous: Type.Optional(
      Type.Array(PreviousLeaseSchema, {
        description: 'Superseded credentials not yet revoked; the engine revokes them after the rollout finished.',
      }),
    ),
  },
  {
    description:
      'Lease ledger: the live credential (top-level fields) and superseded ones awaiting revocation. A restarted controller resumes renewing from here; it never re-issues what is recorded.',
  },
);
export type LeaseLedger = Static<typeof LeaseLedgerSchema>;

/**
 * An issue under way: written BEFORE Vault is asked for a credential, cleared by the status patch
 * that records it. Still present after a crash (or a lost answer), it names the child token the
 * credential would have been issued with, so the next run revokes that token and with it any
 * lease Vault created but nobody recorded.
 */
export const PendingIssueSchema = Type.Object(
  {
    issuerAccessor: Type.String({ description: 'Accessor of the child token the issue runs with.' }),
    parentAccessor: Type.String({ description: 'Accessor of the login token that created the child token.' }),
    startedAt: Timestamp({ description: 'When the issue began.' }),
    reason: Type.Optional(Type.String({ description: 'Why the credential was being issued.' })),
  },
  { description: 'An issue begun but not yet recorded (lease-group intent).' },
);
export type PendingIssue = Static<typeof PendingIssueSchema>;

/** `status.lockstep` of a kind with one leased credential (VaultDynamicSecret, VaultPKISecret). */
export const LockstepStatusSchema = Type.Object(
  { ledger: Type.Optional(LeaseLedgerSchema), pendingIssue: Type.Optional(PendingIssueSchema) },
  { description: 'Lockstep bookkeeping (not in the anchors).' },
);
export type LockstepStatus = Static<typeof LockstepStatusSchema>;

/**
 * `status.lockstep` of an ExternalSecret: one ledger per leased source (a generator in
 * `dataFrom`), keyed by `source` (e.g. `dataFrom[2]`).
 */
export const MultiLedgerStatusSchema = Type.Object(
  {
    ledgers: Type.Optional(
      Type.Unsafe<Array<LeaseLedger & { source: string }>>({
        ...Type.Array(
          Type.Object({
            source: Type.String({ description: 'Which source holds the lease, e.g. `dataFrom[2]`.' }),
            ...LeaseLedgerSchema.properties,
          }),
        ),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['source'],
      }),
    ),
    secretMAC: Type.Optional(
      Type.String({
        description:
          'MAC of the Secret data written with the live credential (`undelivered` while an issued one could not be written): a target that differs gets a new credential.',
      }),
    ),
  },
  { description: 'Lockstep bookkeeping (not in ESO): lease ledgers of generator-backed sources.' },
);
export type MultiLedgerStatus = Static<typeof MultiLedgerStatusSchema>;
