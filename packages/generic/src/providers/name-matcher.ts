// ExternalSecret `dataFrom[].find`: `name.regexp` is an unanchored match, as ESO's Go regexp.

import { BackendError, type FindRef } from '@lockstep/core';

export function nameMatcher(backend: string, regexp: string | undefined): (name: string) => boolean {
  if (regexp === undefined) return () => true;
  let re: RegExp;
  try {
    re = new RegExp(regexp);
  } catch (err) {
    throw new BackendError('InvalidInput', backend, `find.name.regexp "${regexp}" is not a valid regular expression`, {
      cause: err,
    });
  }
  return (name) => re.test(name);
}

/** A find without criteria would read the whole store: ESO refuses it, and so do we. */
export function requireCriteria(backend: string, find: FindRef): void {
  const hasTags = find.tags !== undefined && Object.keys(find.tags).length > 0;
  if (find.name?.regexp === undefined && !hasTags && !find.path) {
    throw new BackendError('InvalidInput', backend, 'dataFrom.find needs name.regexp, tags or path');
  }
}
