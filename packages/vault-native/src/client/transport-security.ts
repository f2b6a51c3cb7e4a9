// Whether a Vault address would carry credentials in cleartext. Over `http://`, every login
// sends a ServiceAccount JWT, AppRole SecretID or token, and every later call a Vault token,
// readable by anyone on the path. Lockstep warns (condition InsecureTransport, Warning event)
// and, with --refuse-insecure-transport, refuses such addresses.

export interface TransportPolicy {
  /** Refuse `http://` addresses instead of warning about them. */
  refuseInsecureTransport?: boolean;
}

/** A message for the InsecureTransport condition when `address` is cleartext; undefined for https. */
export function insecureTransportWarning(address: string | undefined, field: string): string | undefined {
  if (!address || !/^http:\/\//i.test(address.trim())) return undefined;
  return `${field} "${address}" is plain http: Vault tokens and login credentials (service account tokens, SecretIDs) travel in cleartext; use https:// (the controller refuses http:// with --refuse-insecure-transport)`;
}

/** The refusal message under --refuse-insecure-transport; undefined when the address is allowed. */
export function insecureTransportRefusal(
  address: string | undefined,
  field: string,
  policy: TransportPolicy,
): string | undefined {
  if (!policy.refuseInsecureTransport || !insecureTransportWarning(address, field)) return undefined;
  return `${field} "${address}" is plain http and this controller runs with --refuse-insecure-transport: use an https:// address`;
}
