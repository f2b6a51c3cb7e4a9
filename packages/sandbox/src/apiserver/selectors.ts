/**
 * Label and field selectors with kube's syntax (k8s.io/apimachinery labels.Parse and fields.ParseSelector).
 * Bad syntax throws SelectorError; the server turns it into a 400.
 */

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export type LabelRequirement = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: string[];
};

/** `nothing` is the selector of a null metav1.LabelSelector: it matches no object. */
export type LabelSelector = { requirements: LabelRequirement[]; nothing?: boolean };

export type FieldRequirement = { path: string; operator: '=' | '!='; value: string };

export type FieldSelector = { requirements: FieldRequirement[] };

export type MetaLabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

// ---- label selectors ----

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !NAME.test(name)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && (value.length > 63 || !NAME.test(value))) {
    throw new SelectorError(`invalid label value: "${value}"`);
  }
  return value;
}

type Token = { kind: 'id' | 'op'; text: string };

const OPERATORS = ['==', '!=', '=', '!', ',', '(', ')', '<', '>'];

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => s.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < s.length && !/[\s,()=!<>]/.test(s[j] as string)) j++;
    tokens.push({ kind: 'id', text: s.slice(i, j) });
    i = j;
  }
  return tokens;
}

export function parseLabelSelector(s: string): LabelSelector {
  const tokens = lex(s);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (): Token | undefined => tokens[pos++];
  const identifier = (what: string): string => {
    const t = take();
    if (t?.kind !== 'id') throw new SelectorError(`found '${t?.text ?? 'end of string'}', expected: ${what}`);
    return t.text;
  };
  const isEnd = (t: Token | undefined) => t === undefined || (t.kind === 'op' && t.text === ',');
  const requirements: LabelRequirement[] = [];
  while (pos < tokens.length) {
    const first = peek();
    if (first?.kind === 'op' && first.text === '!') {
      take();
      requirements.push({ key: checkKey(identifier('identifier')), operator: 'DoesNotExist', values: [] });
    } else {
      const key = checkKey(identifier('identifier'));
      const next = peek();
      if (isEnd(next)) {
        requirements.push({ key, operator: 'Exists', values: [] });
      } else if (next?.kind === 'op' && (next.text === '=' || next.text === '==' || next.text === '!=')) {
        take();
        const value = isEnd(peek()) ? '' : identifier('identifier');
        requirements.push({ key, operator: next.text === '!=' ? 'NotIn' : 'In', values: [checkValue(value)] });
      } else if (next?.kind === 'id' && (next.text === 'in' || next.text === 'notin')) {
        take();
        requirements.push({ key, operator: next.text === 'in' ? 'In' : 'NotIn', values: parseSet() });
      } else if (next?.kind === 'op' && (next.text === '<' || next.text === '>')) {
        take();
        const value = identifier('integer');
        if (!/^-?\d+$/.test(value)) throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        requirements.push({ key, operator: next.text === '>' ? 'Gt' : 'Lt', values: [value] });
      } else {
        throw new SelectorError(`found '${next?.text}', expected: '=', '!=', '==', 'in', notin'`);
      }
    }
    const sep = take();
    if (sep === undefined) break;
    if (sep.kind !== 'op' || sep.text !== ',')
      throw new SelectorError(`found '${sep.text}', expected: ',' or 'end of string'`);
    if (pos >= tokens.length) throw new SelectorError(`found 'end of string', expected: identifier`);
  }
  return { requirements };

  function parseSet(): string[] {
    const open = take();
    if (open?.kind !== 'op' || open.text !== '(') throw new SelectorError(`found '${open?.text}', expected: '('`);
    const values: string[] = [];
    for (;;) {
      const t = peek();
      if (t?.kind === 'id') {
        values.push(checkValue(t.text));
        take();
      } else if (t?.kind === 'op' && (t.text === ',' || t.text === ')')) {
        // An empty element, as in `in (a,)`, is the empty value.
        values.push('');
      } else {
        throw new SelectorError(`found '${t?.text ?? 'end of string'}', expected: ',', ')' or identifier`);
      }
      const sep = take();
      if (sep?.kind === 'op' && sep.text === ')') break;
      if (sep?.kind !== 'op' || sep.text !== ',') throw new SelectorError(`found '${sep?.text}', expected: ',' or ')'`);
    }
    const nonEmpty = values.filter((v) => v !== '');
    if (nonEmpty.length === 0 && values.length <= 1) {
      throw new SelectorError(`for 'in', 'notin' operators, values set can't be empty`);
    }
    return [...new Set(values)];
  }
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  const l = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.operator) {
      case 'In':
        return has && r.values.includes(value as string);
      case 'NotIn':
        return !has || !r.values.includes(value as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'Gt':
      case 'Lt': {
        if (!has || !/^-?\d+$/.test(value as string)) return false;
        const n = Number(value);
        const limit = Number(r.values[0]);
        return r.operator === 'Gt' ? n > limit : n < limit;
      }
    }
    return false;
  });
}

/** metav1.LabelSelector: null selects nothing, `{}` selects everything (LabelSelectorAsSelector). */
export function labelSelectorFromObject(sel: MetaLabelSelector | undefined | null): LabelSelector {
  if (sel === undefined || sel === null) return { requirements: [], nothing: true };
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    requirements.push({ key: checkKey(key), operator: 'In', values: [checkValue(value)] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new SelectorError(`for 'in', 'notin' operators, values set can't be empty`);
        requirements.push({ key: checkKey(expr.key), operator: expr.operator, values: values.map(checkValue) });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new SelectorError(`values set must be empty for exists and does not exist`);
        requirements.push({ key: checkKey(expr.key), operator: expr.operator, values: [] });
        break;
      default:
        throw new SelectorError(`"${expr.operator}" is not a valid label selector operator`);
    }
  }
  return { requirements };
}

// ---- field selectors ----

/** Splits on `sep` outside backslash escapes (fields.ParseSelector's escaping of `\,`, `\=`, `\!`, `\\`). */
function splitEscaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && i + 1 < s.length) {
      current += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\') {
      const next = s[i + 1];
      if (next === undefined || !'\\,=!'.includes(next))
        throw new SelectorError(`invalid field selector escape in "${s}"`);
      out += next;
      i++;
    } else if (ch === ',' || ch === '=' || ch === '!') {
      throw new SelectorError(`invalid field selector value "${s}": unescaped "${ch}"`);
    } else {
      out += ch;
    }
  }
  return out;
}

export function parseFieldSelector(s: string): FieldSelector {
  if (s.trim() === '') return { requirements: [] };
  const requirements: FieldRequirement[] = [];
  for (const part of splitEscaped(s, ',')) {
    const match = /^([^=!\\\s]+)\s*(!=|==|=)(.*)$/.exec(part.trim());
    if (!match) throw new SelectorError(`invalid field selector: "${part}"`);
    const [, path, op, rawValue] = match as unknown as [string, string, string, string];
    requirements.push({ path, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(rawValue) });
  }
  return { requirements };
}

/** Field values compare as strings; a missing field is the empty string. */
export function matchesFields(sel: FieldSelector, obj: unknown): boolean {
  return sel.requirements.every((r) => {
    const actual = fieldValue(obj, r.path);
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

function fieldValue(obj: unknown, path: string): string {
  let cursor: unknown = obj;
  for (const segment of path.split('.')) {
    if (typeof cursor !== 'object' || cursor === null) return '';
    cursor = (cursor as Record<string, unknown>)[segment];
  }
  if (cursor === undefined || cursor === null) return '';
  return typeof cursor === 'object' ? JSON.stringify(cursor) : String(cursor);
}
