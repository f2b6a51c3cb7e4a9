// CEL validation rules (`x-kubernetes-validations`) carried by a TypeBox schema into crds/.
// The API server evaluates them at admission; clusters (and test servers) that skip CEL get
// the same check from the reconciler, which reports the rule's message in Ready=False. So
// every rule is written twice on purpose: once in CEL here, once as a TypeScript predicate
// next to it, and a test keeps the two lists in step with the generated CRDs.

const CEL_RULES_KEY = 'x-kubernetes-validations';

export interface CelRule {
  /** CEL over `self`, the object the rule is attached to; true means valid. */
  rule: string;
  /** Shown to the user on rejection, and in the Ready condition: says what to fix. */
  message: string;
  /** Where the error points, relative to `self`. */
  fieldPath?: string;
}

/** Schema options that attach the rules to a TypeBox object. */
export function celRules(rules: readonly CelRule[]): { [CEL_RULES_KEY]: CelRule[] } {
  return {
    [CEL_RULES_KEY]: rules.map(({ rule, message, fieldPath }) => ({
      rule,
      message,
      ...(fieldPath ? { fieldPath } : {}),
    })),
  };
}

/** A rule with its reconciler-side twin: `violated` answers what the CEL rule rejects. */
export interface CheckedRule<T> extends CelRule {
  violated(value: T): boolean;
}

/** The message of the first rule `value` breaks, for the reconciler. */
export function firstViolation<T>(rules: readonly CheckedRule<T>[], value: T): string | undefined {
  return rules.find((r) => r.violated(value))?.message;
}
