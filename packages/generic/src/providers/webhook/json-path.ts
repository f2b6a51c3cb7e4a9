// `result.jsonPath` on jsonpath-rfc9535 (RFC 9535, no dependencies, no script evaluation).
// ESO evaluates it with PaesslerAG/jsonpath, which answers a single value for a path of plain
// names and indexes and a list for wildcards, slices, filters and descendants; the singular
// check below gives Lockstep the same shape. RFC filters (`[?@.name == 'x']`, also written
// `[?(@.name == "x")]`) cover what ESO users write. The RFC's match() and search() run a
// backtracking RegExp on a tenant's pattern, so they are refused (user regexes run in linear
// time elsewhere).

import { query } from 'jsonpath-rfc9535';
import parseJsonPath, { type JsonPathQuery } from 'jsonpath-rfc9535/parser';

export interface CompiledJsonPath {
  readonly text: string;
  /** How messages quote it: the spec's template, never a rendering that may hold a secret. */
  readonly label: string;
  /** Plain names and indexes only: selects at most one value, as PaesslerAG's Get answers it. */
  readonly singular: boolean;
}

export class JsonPathError extends Error {}

const REFUSED_FUNCTIONS = new Set(['match', 'search']);

/** `label` is the template `text` was rendered from (the text itself when it has no template). */
export function compileJsonPath(text: string, label = text): CompiledJsonPath {
  let ast: JsonPathQuery;
  try {
    ast = parseJsonPath(text);
  } catch (err) {
    // The parser quotes the text it stopped at: only shown when that is the spec's own text.
    const reason = text === label && err instanceof Error ? `: ${err.message}` : '';
    throw new JsonPathError(`result.jsonPath "${label}" is not a JSONPath (RFC 9535) expression${reason}`);
  }
  const refused = functionsIn(ast).find((name) => REFUSED_FUNCTIONS.has(name));
  if (refused) {
    throw new JsonPathError(
      `result.jsonPath "${label}" uses ${refused}(), which JSONPath evaluates with a backtracking regular expression: compare with == instead`,
    );
  }
  return { text, label, singular: ast.segments.every(isSingularSegment) };
}

/** The values the path selects in `doc` (a parsed JSON value); the first is the one ESO takes. */
export function selectJsonPath(path: CompiledJsonPath, doc: unknown): unknown[] {
  return query(doc as Parameters<typeof query>[0], path.text);
}

function isSingularSegment(segment: JsonPathQuery['segments'][number]): boolean {
  if (segment.type !== 'ChildSegment') return false;
  const node = segment.node;
  if (node.type === 'MemberNameShorthand') return true;
  if (node.type !== 'BracketedSelection' || node.selectors.length !== 1) return false;
  const selector = node.selectors[0];
  return selector?.type === 'NameSelector' || selector?.type === 'IndexSelector';
}

/** Every function name the expression calls, at any depth (the AST is plain data). */
function functionsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) functionsIn(item, found);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'FunctionExpr' && typeof record.name === 'string') found.push(record.name);
    for (const value of Object.values(record)) functionsIn(value, found);
  }
  return found;
}
