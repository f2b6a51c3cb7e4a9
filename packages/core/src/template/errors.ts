// Errors of the template engine. Messages name template positions, functions and types,
// never data values: the data is secret material.

export type TemplateErrorKind = 'parse' | 'exec' | 'limit';

export interface TemplatePosition {
  template: string;
  line: number;
  column: number;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly kind: TemplateErrorKind;
  /** Where the error happened, when known (1-based line and column). */
  readonly position: TemplatePosition | undefined;

  constructor(kind: TemplateErrorKind, message: string, position?: TemplatePosition) {
    super(message);
    this.kind = kind;
    this.position = position;
  }
}

/** Thrown by template functions; the message is shown to users, so it must never contain data values. */
export class FuncError extends Error {
  override readonly name = 'FuncError';
}

/** Thrown anywhere during evaluation when a resource limit is hit. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
}
