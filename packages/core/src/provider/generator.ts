// Generators (ESO `generators.external-secrets.io`): produce values instead of reading
// them. A generator that hands out leased material (the Vault dynamic secret generator)
// returns the lease in `state` so the lease engine can renew and revoke it.

import type { KubeAccess } from '../kube/kube-access.ts';
import type { SecretMap } from './provider.ts';

export interface LeaseInfo {
  id: string;
  durationSeconds: number;
  renewable: boolean;
}

export interface GeneratorResult {
  data: SecretMap;
  lease?: LeaseInfo;
}

export interface GeneratorContext {
  /** Namespace of the consumer (the ExternalSecret): where credential references resolve by default. */
  namespace: string;
  kube: KubeAccess;
  /**
   * The ClusterGenerator the spec came from, if any: its credential references may then name
   * a namespace (as a ClusterSecretStore's may), once its conditions allowed the consumer.
   */
  clusterGenerator?: string;
}

export interface Generator<Spec = unknown> {
  /** The generator kind it serves, e.g. `Password`, `Fake`, `VaultDynamicSecret`. */
  readonly kind: string;
  validateSpec(spec: Spec): string[];
  generate(spec: Spec, ctx: GeneratorContext): Promise<GeneratorResult>;
  /** Releases what `generate` handed out (revokes a lease); called when the result is discarded. */
  cleanup?(result: GeneratorResult, spec: Spec, ctx: GeneratorContext): Promise<void>;
}
