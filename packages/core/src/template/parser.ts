// Recursive-descent parser from tokens to the parse tree, after Go's text/template/parse:
// variables must be declared before use (scoped to the enclosing if/with/range/define),
// functions must exist at parse time, break/continue only inside range, define only at top level.

import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  Tree,
} from './ast.ts';
import { TemplateError } from './errors.ts';
import { lex, type Token } from './lexer.ts';
import type { Source } from './source.ts';

/** Answers undefined when the function exists, or the message to show when it does not. */
export type FunctionCheck = (name: string) => string | undefined;

const maxNesting = 100;

const termTypes = new Set<Token['type']>([
  'identifier',
  'dot',
  'nil',
  'variable',
  'field',
  'bool',
  'number',
  'charConstant',
  'leftParen',
  'string',
  'rawString',
]);

type ListEnd = { kind: 'end' | 'else'; token: Token };

export function parseTemplate(source: Source, checkFunction: FunctionCheck): Map<string, Tree> {
  return new Parser(source, checkFunction).parse();
}

class Parser {
  private readonly source: Source;
  private readonly checkFunction: FunctionCheck;
  private readonly tokens: Token[];
  private index = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private nesting = 0;
  private readonly trees = new Map<string, Tree>();

  constructor(source: Source, checkFunction: FunctionCheck) {
    this.source = source;
    this.checkFunction = checkFunction;
    this.tokens = lex(source);
  }

  parse(): Map<string, Tree> {
    const root: ListNode = { type: 'list', nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim' && this.peekAt(1).type === 'keyword' && this.peekAt(1).value === 'define') {
        this.next();
        this.next();
        this.parseDefinition();
        continue;
      }
      const node = this.textOrAction();
      if ('kind' in node) this.fail(node.token, `unexpected {{${node.kind}}}`);
      root.nodes.push(node as Node);
    }
    this.addTree(this.source.name, root, this.tokens[0]!);
    return this.trees;
  }

  // --- tokens -------------------------------------------------------------------------------

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private peekAt(offset: number): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.tokens[this.index]!;
    if (t.type !== 'eof') this.index++;
    return t;
  }

  private expect(type: Token['type'], context: string): Token {
    const t = this.next();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private fail(at: Token | number, message: string): never {
    const pos = typeof at === 'number' ? at : at.pos;
    const { line, column } = this.source.position(pos);
    throw new TemplateError('parse', `template: ${this.source.name}:${line}:${column}: ${message}`, {
      template: this.source.name,
      line,
      column,
    });
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === 'eof') this.fail(t, `unexpected EOF in ${context}`);
    this.fail(t, `unexpected ${describeToken(t)} in ${context}`);
  }

  private enter(t: Token): void {
    if (++this.nesting > maxNesting) this.fail(t, `template nesting exceeds ${maxNesting} levels`);
  }

  // --- structure ----------------------------------------------------------------------------

  private addTree(name: string, root: ListNode, at: Token): void {
    const existing = this.trees.get(name);
    if (existing && !isEmptyList(existing.root) && !isEmptyList(root)) {
      this.fail(at, `template: multiple definition of template ${JSON.stringify(name)}`);
    }
    if (!existing || !isEmptyList(root)) this.trees.set(name, { name, root, source: this.source });
  }

  private parseDefinition(): void {
    const nameToken = this.next();
    const name = this.templateName(nameToken, 'define clause');
    this.expect('rightDelim', 'define clause');
    const saved = this.vars;
    this.vars = ['$'];
    const [root, end] = this.itemList();
    this.vars = saved;
    if (end.kind !== 'end') this.fail(end.token, 'unexpected {{else}} in define clause');
    this.addTree(name, root, nameToken);
  }

  /** Parses until {{end}} or {{else}}; EOF is an error. */
  private itemList(): [ListNode, ListEnd] {
    const list: ListNode = { type: 'list', nodes: [] };
    while (this.peek().type !== 'eof') {
      const node = this.textOrAction();
      if ('kind' in node) return [list, node];
      list.nodes.push(node);
    }
    this.fail(this.peek(), 'unexpected EOF: missing {{end}}');
  }

  private textOrAction(): Node | ListEnd {
    const t = this.next();
    if (t.type === 'text') return { type: 'text', text: t.value, pos: t.pos, end: t.end };
    if (t.type === 'leftDelim') return this.action();
    this.unexpected(t, 'input');
  }

  private action(): Node | ListEnd {
    const t = this.peek();
    if (t.type === 'keyword') {
      this.next();
      switch (t.value) {
        case 'block':
          return this.blockControl(t);
        case 'break':
        case 'continue':
          this.expect('rightDelim', `{{${t.value}}}`);
          if (this.rangeDepth === 0) this.fail(t, `{{${t.value}}} outside {{range}}`);
          return { type: t.value, pos: t.pos, end: t.end };
        case 'else':
          // "else if" / "else with": leave the keyword for the enclosing control to consume.
          if (this.peek().type === 'keyword' && (this.peek().value === 'if' || this.peek().value === 'with')) {
            return { kind: 'else', token: t };
          }
          this.expect('rightDelim', 'else');
          return { kind: 'else', token: t };
        case 'end':
          this.expect('rightDelim', 'end');
          return { kind: 'end', token: t };
        case 'if':
        case 'range':
        case 'with':
          return this.control(t, t.value);
        case 'template':
          return this.templateControl(t);
        case 'define':
          this.fail(t, '{{define}} is only allowed at the top level of a template');
      }
    }
    const pipe = this.pipeline('command', 'rightDelim');
    return { type: 'action', pipe, pos: t.pos, end: pipe.end };
  }

  private control(t: Token, kind: 'if' | 'range' | 'with'): BranchNode {
    this.enter(t);
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, end] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (end.kind === 'else') {
      const after = this.peek();
      if (kind !== 'range' && after.type === 'keyword' && after.value === kind) {
        this.next();
        elseList = { type: 'list', nodes: [this.control(after, kind)] };
      } else if (after.type === 'keyword' && (after.value === 'if' || after.value === 'with')) {
        this.fail(after, `{{else ${after.value}}} is not allowed in {{${kind}}}`);
      } else {
        const [list2, end2] = this.itemList();
        if (end2.kind !== 'end') this.fail(end2.token, `expected {{end}}; found {{else}}`);
        elseList = list2;
      }
    }
    this.vars.length = mark;
    this.nesting--;
    return { type: kind, pipe, list, elseList, pos: t.pos, end: pipe.end };
  }

  private templateControl(t: Token): TemplateNode {
    const name = this.templateName(this.next(), 'template clause');
    let pipe: PipeNode | undefined;
    if (this.peek().type === 'rightDelim') this.next();
    else pipe = this.pipeline('template clause', 'rightDelim');
    return { type: 'template', name, pipe, pos: t.pos, end: pipe?.end ?? t.end };
  }

  private blockControl(t: Token): TemplateNode {
    const nameToken = this.next();
    const name = this.templateName(nameToken, 'block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    this.vars = saved.vars;
    this.rangeDepth = saved.rangeDepth;
    if (end.kind !== 'end') this.fail(end.token, 'unexpected {{else}} in block clause');
    this.addTree(name, root, nameToken);
    return { type: 'template', name, pipe, pos: t.pos, end: pipe.end };
  }

  private templateName(t: Token, context: string): string {
    if (t.type === 'string' || t.type === 'rawString') return this.unquote(t);
    this.unexpected(t, context);
  }

  // --- pipelines ----------------------------------------------------------------------------

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peek();
    const pipe: PipeNode = { type: 'pipe', isAssign: false, decl: [], cmds: [], pos: first.pos, end: first.pos };
    for (;;) {
      const v = this.peek();
      if (v.type !== 'variable') break;
      const after = this.peekAt(1);
      if (after.type === 'assign' || after.type === 'declare') {
        this.index += 2;
        pipe.isAssign = after.type === 'assign';
        if (pipe.isAssign && !this.vars.includes(v.value))
          this.fail(v, `undefined variable ${JSON.stringify(v.value)}`);
        pipe.decl.push({ type: 'variable', ident: [v.value], pos: v.pos, end: v.end });
        if (!pipe.isAssign) this.vars.push(v.value);
        break;
      }
      if (after.type === 'char' && after.value === ',') {
        this.index += 2;
        pipe.decl.push({ type: 'variable', ident: [v.value], pos: v.pos, end: v.end });
        this.vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const n = this.peek();
          if (n.type === 'variable' || n.type === 'rightDelim' || n.type === 'rightParen') continue;
          this.fail(n, 'range can only initialize variables');
        }
        this.fail(v, `too many declarations in ${context}`);
      }
      break;
    }
    for (;;) {
      const t = this.peek();
      if (t.type === end) {
        this.next();
        if (pipe.cmds.length === 0) this.fail(t, `missing value for ${context}`);
        pipe.cmds.slice(1).forEach((cmd, i) => {
          const head = cmd.args[0]!;
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(head.type)) {
            this.fail(head.pos, `non executable command in pipeline stage ${i + 2}`);
          }
        });
        pipe.end = pipe.cmds.at(-1)!.end;
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', args: [], pos: this.peek().pos, end: this.peek().pos };
    for (;;) {
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.peek();
      if (t.type === 'rightDelim' || t.type === 'rightParen') break;
      if (t.type === 'pipe') {
        this.next();
        break;
      }
      if (operand && t.spaceBefore) continue;
      this.unexpected(t, 'operand');
    }
    if (cmd.args.length === 0) this.fail(cmd.pos, 'empty command');
    cmd.end = cmd.args.at(-1)!.end;
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field' || this.peek().spaceBefore) return node;
    const fields: string[] = [];
    let end = node.end;
    while (this.peek().type === 'field' && !this.peek().spaceBefore) {
      const f = this.next();
      fields.push(f.value.slice(1));
      end = f.end;
    }
    switch (node.type) {
      case 'field':
        return { type: 'field', ident: [...node.ident, ...fields], pos: node.pos, end };
      case 'variable':
        return { type: 'variable', ident: [...node.ident, ...fields], pos: node.pos, end };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(node.end, `unexpected . after term (a ${node.type})`);
    }
    return { type: 'chain', node, field: fields, pos: node.pos, end };
  }

  private term(): ArgNode | undefined {
    const t = this.peek();
    if (!termTypes.has(t.type)) return undefined;
    this.next();
    switch (t.type) {
      case 'identifier': {
        const problem = this.checkFunction(t.value);
        if (problem) this.fail(t, problem);
        return { type: 'identifier', name: t.value, pos: t.pos, end: t.end };
      }
      case 'dot':
        return { type: 'dot', pos: t.pos, end: t.end };
      case 'nil':
        return { type: 'nil', pos: t.pos, end: t.end };
      case 'variable':
        if (!this.vars.includes(t.value)) this.fail(t, `undefined variable ${JSON.stringify(t.value)}`);
        return { type: 'variable', ident: [t.value], pos: t.pos, end: t.end };
      case 'field':
        return { type: 'field', ident: [t.value.slice(1)], pos: t.pos, end: t.end };
      case 'bool':
        return { type: 'bool', value: t.value === 'true', pos: t.pos, end: t.end };
      case 'number':
      case 'charConstant':
        return this.number(t);
      case 'leftParen': {
        this.enter(t);
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.nesting--;
        return { ...pipe, pos: t.pos, end: this.tokens[this.index - 1]!.end };
      }
      case 'string':
      case 'rawString':
        return { type: 'string', text: this.unquote(t), pos: t.pos, end: t.end };
    }
    return undefined;
  }

  // --- literals -----------------------------------------------------------------------------

  private unquote(t: Token): string {
    try {
      return t.type === 'rawString' ? t.value.slice(1, -1).replaceAll('\r', '') : unquoteGo(t.value.slice(1, -1), '"');
    } catch {
      this.fail(t, 'invalid syntax in quoted string');
    }
  }

  private number(t: Token): NumberNode {
    const node: NumberNode = {
      type: 'number',
      text: t.value,
      isInt: false,
      isFloat: false,
      intLike: false,
      int: 0n,
      float: 0,
      pos: t.pos,
      end: t.end,
    };
    if (t.type === 'charConstant') {
      let rune: string;
      try {
        rune = unquoteGo(t.value.slice(1, -1), "'");
      } catch {
        this.fail(t, 'malformed character constant');
      }
      if ([...rune].length !== 1) this.fail(t, 'malformed character constant');
      node.int = BigInt(rune.codePointAt(0)!);
      node.float = Number(node.int);
      node.isInt = node.isFloat = node.intLike = true;
      return node;
    }
    const parsed = parseGoNumber(t.value);
    if (!parsed) this.fail(t, 'illegal number syntax');
    Object.assign(node, parsed);
    return node;
  }
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Go's number literal rules (strconv with base 0): 0x/0o/0b prefixes, leading-0 octal, underscores. */
export function parseGoNumber(
  text: string,
): Pick<NumberNode, 'isInt' | 'isFloat' | 'intLike' | 'int' | 'float'> | undefined {
  if (text.endsWith('i')) return undefined; // complex numbers are not supported
  const clean = text.replaceAll('_', '');
  const sign = clean.startsWith('-') ? -1n : 1n;
  const body = clean.replace(/^[+-]/, '');
  let int: bigint | undefined;
  const hex = /^0[xX][0-9a-fA-F]+$/.test(body);
  if (hex || /^0[bB][01]+$/.test(body) || /^0[oO][0-7]+$/.test(body)) int = BigInt(body.toLowerCase());
  else if (/^0[0-7]+$/.test(body)) int = BigInt(`0o${body.slice(1)}`);
  else if (/^[0-9]+$/.test(body)) int = BigInt(body);
  if (int !== undefined) {
    int *= sign;
    if (int < int64Min || int > int64Max) return undefined;
    return { isInt: true, isFloat: true, intLike: hex, int, float: Number(int) };
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return undefined;
  const float = Number(sign < 0n ? `-${body}` : body);
  if (!Number.isFinite(float)) return undefined;
  const integral = Number.isInteger(float) && Math.abs(float) < 2 ** 63;
  return { isInt: integral, isFloat: true, intLike: false, int: integral ? BigInt(float) : 0n, float };
}

/** strconv.Unquote of the body of a Go "..." or '...' literal. */
export function unquoteGo(body: string, quote: '"' | "'"): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const hex = (n: number): number => {
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new SyntaxError('bad escape');
      i += n;
      return Number.parseInt(h, 16);
    };
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x':
        out += String.fromCharCode(hex(2));
        break;
      case 'u':
      case 'U': {
        const cp = hex(e === 'u' ? 4 : 8);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new SyntaxError('bad escape');
        out += String.fromCodePoint(cp);
        break;
      }
      default:
        if (e === quote) {
          out += e;
          break;
        }
        if (e !== undefined && /[0-7]/.test(e)) {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o) || Number.parseInt(o, 8) > 255) throw new SyntaxError('bad escape');
          out += String.fromCharCode(Number.parseInt(o, 8));
          i += 2;
          break;
        }
        throw new SyntaxError('bad escape');
    }
  }
  return out;
}

// Errors name syntax, never the template's literals or text: a template may come from a
// Secret (templateFrom) and its literals may be secret.
const LITERAL_TOKENS: Partial<Record<Token['type'], string>> = {
  text: 'text',
  string: 'string literal',
  rawString: 'string literal',
  number: 'number',
  charConstant: 'character constant',
};

function describeToken(t: Token): string {
  const literal = LITERAL_TOKENS[t.type];
  if (literal) return literal;
  return JSON.stringify(t.type === 'rightDelim' ? '}}' : t.type === 'leftDelim' ? '{{' : t.value);
}
