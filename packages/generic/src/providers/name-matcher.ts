// ExternalSecret `dataFrom[].find`: `name.regexp` is an unanchored match with Go (RE2)
// syntax, as ESO's; it runs on the linear-time engine, so no pattern can stall the controller.

import { BackendError, type FindRef, userRegexPredicate } from '@lockstep/core';

export function nameMatcher(backend: string, regexp: string | undefined): (name: string) => boolean {
  if (regexp === undefined) return () => true;
  return userRegexPredicate(
    regexp,
    (err) => new BackendError('InvalidInput', backend, `find.name.regexp "${regexp}": ${err.message}`, { cause: err }),
  );
}

/** A find without criteria would read the whole store: ESO refuses it, and so do we. */
export function requireCriteria(backend: string, find: FindRef): void {
  const hasTags = find.tags !== undefined && Object.keys(find.tags).length > 0;
  if (find.name?.regexp === undefined && !hasTags && !find.path) {
    throw new BackendError('InvalidInput', backend, 'dataFrom.find needs name.regexp, tags or path');
  }
}
