// Every reconcile has a time budget. Past it, the work queue frees the worker slot, aborts
// the reconcile's signal with this error and backs the key off; the key stays in flight
// until the reconcile really settles, so it never runs twice at once.

/** Default budget of one reconcile (`--reconcile-timeout`). */
export const DEFAULT_RECONCILE_BUDGET_MS = 30_000;

export class ReconcileTimeoutError extends Error {
  readonly budgetMs: number;

  constructor(budgetMs: number) {
    super(
      `the reconcile did not finish within ${formatBudget(budgetMs)} (--reconcile-timeout): a backend or the API server is not answering; retrying with backoff`,
    );
    this.name = 'ReconcileTimeoutError';
    this.budgetMs = budgetMs;
  }
}

function formatBudget(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
