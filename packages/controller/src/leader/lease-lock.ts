// A leader-election lock on a coordination.k8s.io/v1 Lease, as client-go's LeaseLock:
// reads return the record and its resourceVersion, writes are optimistic (create fails
// with 409 when the Lease already exists, replace with 409 when the resourceVersion is
// stale), so of two candidates writing at once exactly one wins.

import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { isNotFound, type KubeCallTarget, kubeCall } from '@lockstep/core';

/** What client-go calls a LeaderElectionRecord, as stored in the Lease's spec. */
export interface LeaderElectionRecord {
  /** Empty when nobody holds the lease (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
}

export interface ObservedLease {
  record: LeaderElectionRecord;
  resourceVersion: string;
}

/** The calls an elector makes; `LeaseLock` is the real one. */
export interface ElectionLock {
  /** Where the lock lives, for logs: `namespace/name`. */
  readonly description: string;
  /** Undefined when the Lease does not exist yet. */
  get(): Promise<ObservedLease | undefined>;
  /** Throws a BackendError with class Conflict when the Lease already exists. */
  create(record: LeaderElectionRecord): Promise<ObservedLease>;
  /** Throws a BackendError with class Conflict when `resourceVersion` is no longer current. */
  update(record: LeaderElectionRecord, resourceVersion: string): Promise<ObservedLease>;
}

export interface LeaseLockOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
}

export class LeaseLock implements ElectionLock {
  readonly description: string;
  readonly #api: CoordinationV1Api;
  readonly #namespace: string;
  readonly #name: string;

  constructor(options: LeaseLockOptions) {
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.description = `${options.namespace}/${options.name}`;
  }

  async get(): Promise<ObservedLease | undefined> {
    try {
      return observed(
        await kubeCall(this.#about('read'), () =>
          this.#api.readNamespacedLease({ name: this.#name, namespace: this.#namespace }),
        ),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(record: LeaderElectionRecord): Promise<ObservedLease> {
    const lease = await kubeCall(this.#about('create'), () =>
      this.#api.createNamespacedLease({ namespace: this.#namespace, body: this.#body(record) }),
    );
    return observed(lease);
  }

  async update(record: LeaderElectionRecord, resourceVersion: string): Promise<ObservedLease> {
    const lease = await kubeCall(this.#about('update'), () =>
      this.#api.replaceNamespacedLease({
        name: this.#name,
        namespace: this.#namespace,
        body: this.#body(record, resourceVersion),
      }),
    );
    return observed(lease);
  }

  #about(verb: string): KubeCallTarget {
    return { verb, kind: 'Lease', name: this.#name, namespace: this.#namespace };
  }

  #body(record: LeaderElectionRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#name, namespace: this.#namespace, resourceVersion },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        leaseTransitions: record.leaseTransitions,
        // MicroTime: kube-apiserver parses exactly six fractional digits.
        acquireTime: record.acquireTime && new V1MicroTime(record.acquireTime.getTime()),
        renewTime: record.renewTime && new V1MicroTime(record.renewTime.getTime()),
      },
    };
  }
}

function observed(lease: V1Lease): ObservedLease {
  const spec = lease.spec ?? {};
  return {
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      leaseTransitions: spec.leaseTransitions ?? 0,
      acquireTime: toDate(spec.acquireTime),
      renewTime: toDate(spec.renewTime),
    },
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
