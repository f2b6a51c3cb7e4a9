// Turns any failure of a sync into a message for the Ready condition. Messages come from
// our own error classes, which never carry secret values; anything unexpected gets a
// generic message so a stray library error cannot leak data into status.

import { BackendError, DurationError, TemplateError, userMessageOf } from '@lockstep/core';
import { DecodingError } from './decoding.ts';
import { TemplateSpecError } from './render-target.ts';
import { DataSpecError } from './resolve-data.ts';
import { RewriteError } from './rewrite.ts';
import { StoreError } from './store-resolver.ts';

export function classifyFailure(err: unknown): { message: string; userError: boolean } {
  if (err instanceof BackendError)
    return { message: err.message, userError: err.errorClass !== 'Unavailable' && err.errorClass !== 'Throttled' };
  for (const kind of [
    StoreError,
    DataSpecError,
    DecodingError,
    RewriteError,
    TemplateSpecError,
    TemplateError,
    DurationError,
  ]) {
    if (err instanceof kind) return { message: (err as Error).message, userError: true };
  }
  return { message: userMessageOf(err), userError: false };
}
