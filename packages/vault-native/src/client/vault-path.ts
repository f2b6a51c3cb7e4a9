// Vault paths are `/`-separated logical paths whose segments may hold any character a
// user can type into a secret name (`'`, `#`, `?`, spaces, `%`). Each segment is
// percent-encoded on its own so the URL keeps Vault's path structure; node-vault's
// templating HTML-escaped `'` and cut the URL at `#`, which is why this file exists.

/** Splits a logical path into its segments, dropping empty ones (`a//b/` is `a/b`). */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** Joins logical path parts (each may itself contain `/`) into one normalised path. */
export function joinPath(...parts: string[]): string {
  return parts.flatMap(pathSegments).join('/');
}

/** The URL path for a logical path: `/v1/` plus each segment percent-encoded. */
export function encodeVaultPath(path: string): string {
  const segments = pathSegments(path);
  for (const s of segments) {
    // Dot segments would be resolved away by proxies (and mean nothing to Vault).
    if (s === '.' || s === '..') throw new TypeError(`a Vault path may not contain "${s}" segments: "${path}"`);
  }
  // encodeURIComponent leaves ' ( ) * ! alone, which is legal in a path; encode them anyway so
  // nothing between us and Vault can treat them specially.
  return `/v1/${segments.map((s) => encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')}`;
}
