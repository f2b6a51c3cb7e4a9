// ESO's `remoteRef.property` for Vault: an exact top-level key wins; otherwise the property
// is a gjson-style dotted path (`a.b.0.c`, with `\.` for a literal dot). Only the simple
// path syntax is supported: no wildcards, modifiers or queries.

/** The value at `property`, or undefined when nothing is there. */
export function selectProperty(data: Record<string, unknown>, property: string): unknown {
  if (Object.hasOwn(data, property)) return data[property];
  let current: unknown = data;
  for (const segment of splitPath(property)) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (current && typeof current === 'object') {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

function splitPath(path: string): string[] {
  const segments: string[] = [];
  let segment = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      segment += path[++i];
    } else if (c === '.') {
      segments.push(segment);
      segment = '';
    } else {
      segment += c;
    }
  }
  segments.push(segment);
  return segments;
}

/** How ESO turns a JSON value into Secret bytes: strings as-is, null as empty, the rest as JSON. */
export function valueBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value === null || value === undefined) return new Uint8Array();
  return Buffer.from(JSON.stringify(value), 'utf8');
}
