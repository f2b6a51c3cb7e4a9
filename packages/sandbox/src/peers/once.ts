/** `fn` run on the first call only (with its arguments); later calls answer the same promise (a stop called twice). */
export function once<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let result: Promise<T> | undefined;
  return (...args) => {
    result ??= fn(...args);
    return result;
  };
}
