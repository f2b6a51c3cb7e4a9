// PKI certificates carry no lease (`generate_lease` is false by default): they are rotated
// by their validity period and revoked by serial (SPEC §2, PKI; VSO semantics).

export interface PkiValidity {
  notBefore: Date;
  notAfter: Date;
  /** Re-issue this long before `notAfter`. Unset: at 2/3 of the lifetime. */
  expiryOffsetSeconds?: number;
}

/** When to re-issue: `notAfter - expiryOffset`, or 2/3 into the lifetime by default. */
export function nextPkiRotation({ notBefore, notAfter, expiryOffsetSeconds }: PkiValidity): Date {
  const start = notBefore.getTime();
  const end = notAfter.getTime();
  if (expiryOffsetSeconds !== undefined && expiryOffsetSeconds > 0) {
    // An offset longer than the lifetime re-issues at once (clamped to the start).
    return new Date(Math.max(start, end - expiryOffsetSeconds * 1000));
  }
  return new Date(start + Math.floor(((end - start) * 2) / 3));
}

/** Whether a certificate is due for re-issue at `now`. */
export function pkiRotationDue(validity: PkiValidity, now: Date): boolean {
  return now.getTime() >= nextPkiRotation(validity).getTime();
}
