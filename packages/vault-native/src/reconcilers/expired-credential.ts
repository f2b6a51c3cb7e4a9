// While Vault cannot be reached, Ready=False says so (VaultUnavailable). When the live
// credential expired meanwhile, that is the news the user needs: the Secret holds a dead
// credential until Vault is back and a new one is issued. The message says both.

import type { LeaseLedger } from '@lockstep/core';

export interface ExpiredCredential {
  noun: 'lease' | 'certificate';
  /** Lease ID or certificate serial (never a secret value). */
  id: string;
  expiredAt: string;
}

/** The live credential of `ledger` when its recorded expiry has passed at `now`. */
export function expiredCredential(ledger: LeaseLedger | undefined, now: Date): ExpiredCredential | undefined {
  if (!ledger?.expiresAt || Date.parse(ledger.expiresAt) > now.getTime()) return undefined;
  if (ledger.leaseId) return { noun: 'lease', id: ledger.leaseId, expiredAt: ledger.expiresAt };
  if (ledger.serialNumber) return { noun: 'certificate', id: ledger.serialNumber, expiredAt: ledger.expiresAt };
  return undefined;
}

/** The failure's message, led by the expiry when the live credential is already dead. */
export function failureMessage(message: string, expired: ExpiredCredential | undefined): string {
  if (!expired) return message;
  return `${expired.noun} ${expired.id} expired at ${expired.expiredAt} and could not be replaced yet: ${message}`;
}
