// Keys of a Kubernetes Secret: at most 253 characters of [-._a-zA-Z0-9].
const VALID_KEY = /^[-._a-zA-Z0-9]+$/;

export function invalidSecretKeyReason(key: string): string | undefined {
  if (key.length === 0) return 'a Secret key must not be empty: check the secretKey and the rewrites that rename keys';
  if (key.length > 253)
    return `Secret key "${key.slice(0, 40)}…" is longer than 253 characters: use rewrite to shorten it`;
  if (!VALID_KEY.test(key)) {
    return `"${key}" is not a valid Secret key (only letters, digits, '-', '_' and '.' are allowed): use rewrite or conversionStrategy to rename it`;
  }
  if (key === '.' || key === '..') return `"${key}" is not a valid Secret key: use rewrite to rename it`;
  return undefined;
}

/**
 * ESO's key conversion for `find` results: `Default` replaces every invalid character with
 * `_`; `Unicode` replaces it with `_U` + its code point in four hex digits + `_`.
 */
export function convertKey(key: string, strategy: 'Default' | 'Unicode' | undefined): string {
  if (strategy === 'Unicode') {
    return [...key]
      .map((ch) => (/[-._a-zA-Z0-9]/.test(ch) ? ch : `_U${ch.codePointAt(0)!.toString(16).padStart(4, '0')}_`))
      .join('');
  }
  return key.replace(/[^-._a-zA-Z0-9]/g, '_');
}
