// Secret values never go to logs. Two layers: pino's redact paths for the fields we know
// (cheap, compiled once), and a walk over the logged object that catches the same field
// names at any depth, e.g. a Vault response quoted inside an error.

export const REDACTED = '[redacted]';

/** Field names whose values are secret wherever they appear. */
export const SENSITIVE_FIELDS = [
  'data',
  'stringData',
  'token',
  'password',
  'secret',
  'secret_id',
  'client_token',
  'accessor',
  'access_token',
  'refresh_token',
  'id_token',
  'private_key',
  'privateKey',
  'secretKey',
  'secret_key',
  'secretAccessKey',
  'secret_access_key',
  'sessionToken',
  'session_token',
  'SecretString',
  'SecretBinary',
  'authorization',
  'x-vault-token',
  'cookie',
  'set-cookie',
  'api_key',
  'apiKey',
  'hmacKey',
] as const;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** pino redact paths: each field at the top level and one or two levels down. */
export const REDACT_PATHS: string[] = SENSITIVE_FIELDS.flatMap((field) => {
  const segment = IDENTIFIER.test(field) ? `.${field}` : `["${field}"]`;
  const top = IDENTIFIER.test(field) ? field : `["${field}"]`;
  return [top, `*${segment}`, `*.*${segment}`];
});

// Compare without case, dashes or underscores: secret_id, secretId and Secret-Id are one field.
const normalise = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const SENSITIVE = new Set(SENSITIVE_FIELDS.map(normalise));

export function isSensitiveField(name: string): boolean {
  return SENSITIVE.has(normalise(name));
}

const MAX_DEPTH = 10;

/**
 * A copy of `value` with every sensitive field replaced by `[redacted]`, at any depth.
 * Walks plain objects, arrays and the enumerable fields of errors; leaves the input alone.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH || seen.has(value)) return '[truncated]';
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => redactDeep(item, depth + 1, seen));
  }
  const proto = Object.getPrototypeOf(value);
  const isError = value instanceof Error;
  if (proto !== Object.prototype && proto !== null && !isError) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  if (isError) {
    out.type = value.name;
    out.message = value.message;
    if (value.stack) out.stack = value.stack;
    if (value.cause !== undefined) out.cause = redactDeep(value.cause, depth + 1, seen);
  }
  for (const [key, field] of Object.entries(value)) {
    out[key] = isSensitiveField(key) ? REDACTED : redactDeep(field, depth + 1, seen);
  }
  return out;
}
