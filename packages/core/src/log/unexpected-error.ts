// What the log keeps of an error nobody expected (a bug, or a library failing in a way we
// did not classify). Its message is left out: the messages of JSON and other parse errors
// quote the input they choked on, which may be a secret value. The type, code and stack
// frames say where it came from, which is what a bug report needs.

/** Built-in error types that mean "a bug in our code or a library", never a backend's answer. */
const PROGRAMMING_ERRORS = new Set([
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
]);

export interface UnexpectedErrorSummary {
  type: string;
  code?: string;
  /** Stack frames only (`at …` lines), without the message line. */
  stack?: string[];
}

export function describeUnexpected(err: unknown): UnexpectedErrorSummary {
  if (!(err instanceof Error)) return { type: err === null ? 'null' : typeof err };
  const code = (err as { code?: unknown }).code;
  const frames = err.stack
    ?.split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, 12);
  return {
    type: err.name || err.constructor?.name || 'Error',
    ...(typeof code === 'string' ? { code } : {}),
    ...(frames?.length ? { stack: frames } : {}),
  };
}

/** True for errors that no backend answer explains: a thrown non-Error, or a built-in programming error. */
export function isProgrammingError(err: unknown): boolean {
  return !(err instanceof Error) || PROGRAMMING_ERRORS.has(err.name);
}
