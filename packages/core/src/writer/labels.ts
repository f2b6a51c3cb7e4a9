// Labels and annotations Lockstep puts on what it writes. The managed label is also the
// informer's label selector: the controller only ever watches Secrets it manages.
export const MANAGED_LABEL = 'lockstep.dev/managed';
export const MANAGED_SELECTOR = `${MANAGED_LABEL}=true`;
export const DATA_MAC_ANNOTATION = 'lockstep.dev/data-hmac';
export const RESTARTED_AT_ANNOTATION = 'lockstep.dev/restartedAt';
