// The GeneratorState garbage collector: a state whose spec.garbageCollectionDeadline has passed
// is deleted (ESO's generatorstate controller); one with a deadline ahead is looked at again
// then. States without a deadline are the latest of their source and stay, until their
// ExternalSecret goes (owner reference).

import { isNotFound, parseObjectKey, type ReconcileResult } from '@lockstep/core';
import type { GeneratorState } from '../api/generator-state.ts';
import type { ObjectCache } from '../external-secret/store-resolver.ts';
import type { GeneratorStates } from './generator-states.ts';

export interface GeneratorStateGcContext {
  states: ObjectCache<GeneratorState>;
  store: Pick<GeneratorStates, 'delete'>;
  now(): Date;
}

export async function collectGeneratorState(key: string, ctx: GeneratorStateGcContext): Promise<ReconcileResult> {
  const { namespace = '', name } = parseObjectKey(key);
  const state = ctx.states.get(namespace, name);
  const deadline = state?.spec?.garbageCollectionDeadline;
  if (!deadline) return {};
  const wait = new Date(deadline).getTime() - ctx.now().getTime();
  if (Number.isNaN(wait)) return {};
  if (wait > 0) return { requeueAfter: wait };
  await ctx.store.delete(namespace, name).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  return {};
}
