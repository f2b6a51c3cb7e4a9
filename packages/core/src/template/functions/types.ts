// The shape of a template function. Parameters declare Go's parameter types so the evaluator
// can apply Go's argument rules (an untyped 3 fits int and float params; a missing value is nil
// for interface{} params but an error for string params).

import type { TemplateLimits } from '../limits.ts';

/**
 * any: interface{} (a missing value becomes nil); value: reflect.Value (a missing value stays
 * missing, as Go's builtins see it); string, int, float, bool: Go's concrete types.
 */
export type ParamKind = 'any' | 'value' | 'string' | 'int' | 'float' | 'bool';

export interface CallContext {
  readonly limits: TemplateLimits;
  /** Fails with a limit error when a string a function is about to build would be too long. */
  checkLength(length: number): void;
  /** Fails with a limit error when a collection a function is about to build would be too large. */
  checkItems(count: number): void;
  /** Random bytes (salts, IVs) for the few functions whose output is random by design. */
  randomBytes(size: number): Uint8Array;
  /**
   * Runs a deliberately slow password hash (bcrypt): counted against maxPasswordHashes, and
   * its time is not counted against maxMillis (the hash count bounds it instead).
   */
  passwordHash<T>(hash: () => T): T;
}

export interface TemplateFunction {
  readonly params: readonly ParamKind[];
  readonly variadic?: ParamKind;
  call(args: unknown[], ctx: CallContext): unknown;
}

export type FunctionTable = ReadonlyMap<string, TemplateFunction>;

export function defineFunction(
  params: readonly ParamKind[],
  call: (args: unknown[], ctx: CallContext) => unknown,
  variadic?: ParamKind,
): TemplateFunction {
  return variadic ? { params, variadic, call } : { params, call };
}
