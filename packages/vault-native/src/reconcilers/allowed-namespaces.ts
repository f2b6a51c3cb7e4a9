// `allowedNamespaces` of a VaultAuth or VaultConnection: which other namespaces may use it.
// VSO accepts exact names and a lone `*`; Lockstep also accepts globs (`team-*`, `app-?`), a
// superset, since a Kubernetes namespace name can never contain `*` or `?` literally.
// Matching is a linear scan with one backtrack point (no regular expressions): a pattern is
// user input and must not be able to stall the controller.

/** Whether `namespace` matches one of `patterns`. */
export function namespaceMatches(patterns: readonly string[] | undefined, namespace: string): boolean {
  return !!patterns && patterns.some((p) => globMatches(p.trim(), namespace));
}

/** `*` matches any run of characters (also none), `?` exactly one; everything else itself. */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
