// A resource that cannot work as written: a missing VaultAuth or store, a namespace that is not
// allowed, a bad duration, a template that does not parse. Both models throw it (or a subclass)
// for what only the user can fix; `describeFailure` reports it as Ready=False with its reason
// and never retries it with backoff.

import { BackendError } from './backend-error.ts';

export class SpecProblem extends BackendError {
  /** The Ready condition's reason, e.g. `VaultAuthNotFound`, `InvalidSpec`, `StoreNotFound`. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('InvalidInput', 'lockstep', message, options);
    this.name = 'SpecProblem';
    this.reason = reason;
  }
}
