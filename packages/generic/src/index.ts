// Public surface of @lockstep/generic: what other packages may import.

// CRD schemas and types of external.lockstep.dev/v1 and the generic generators (TypeBox is the source of truth).

export { genericCrds } from './api/crds.ts';

// ClusterExternalSecret: one ExternalSecret provisioned into every selected namespace.

// The ExternalSecret pipeline and the store reconcilers, wired by the controller.

// Providers of the generic pipeline (aws, kubernetes, fake) and their registration.

export { GENERIC_PROVIDERS, registerGenericProviders } from './providers/register.ts';
// The pipeline's wiring: one call gives the binary every generic controller.
export { genericControllers } from './wiring/generic-controllers.ts';
