// `spec.conditions[]` of a ClusterSecretStore (and of a ClusterGenerator, Lockstep's extension):
// which namespaces may use the cluster-scoped object. No conditions: every namespace; otherwise
// any entry matching allows (`namespaces`, `namespaceRegexes` unanchored as Go's regexp, or
// `namespaceSelector` on the Namespace's labels).

import { compileUserRegex, type LabelSelector, matchesLabelSelector, UserRegexError } from '@lockstep/core';

export interface NamespaceCondition {
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  namespaceRegexes?: string[];
}

export function conditionsAllow(
  conditions: readonly NamespaceCondition[] | undefined,
  namespace: string,
  labels: Record<string, string> | undefined,
): boolean {
  if (!conditions || conditions.length === 0) return true;
  return conditions.some((c) => {
    if (c.namespaces?.includes(namespace)) return true;
    if (c.namespaceRegexes?.some((re) => regexAllows(re, namespace))) return true;
    return c.namespaceSelector !== undefined && matchesLabelSelector(c.namespaceSelector, labels);
  });
}

/** namespaceRegexes entries that do not compile (RE2/Go syntax), each with the reason. */
export function namespaceRegexProblems(conditions: readonly NamespaceCondition[] | undefined): string[] {
  const problems: string[] = [];
  for (const [i, condition] of (conditions ?? []).entries()) {
    for (const [j, pattern] of (condition.namespaceRegexes ?? []).entries()) {
      try {
        compileUserRegex(pattern);
      } catch (err) {
        if (!(err instanceof UserRegexError)) throw err;
        problems.push(`spec.conditions[${i}].namespaceRegexes[${j}] "${pattern}": ${err.message}`);
      }
    }
  }
  return problems;
}

/** A broken pattern allows nothing. */
function regexAllows(pattern: string, namespace: string): boolean {
  try {
    return compileUserRegex(pattern).test(namespace);
  } catch (err) {
    if (err instanceof UserRegexError) return false;
    throw err;
  }
}
