// Tree-walking evaluator with Go's text/template semantics: pipelines pass the previous value
// as the last argument, variables live on a stack scoped by if/with/range/template, missing
// map keys are "no value", and each step, range iteration, template call and output byte is
// counted against the limits.

import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  Tree,
  VariableNode,
} from './ast.ts';
import { FuncError, LimitError, TemplateError } from './errors.ts';
import type { CallContext, FunctionTable, ParamKind, TemplateFunction } from './functions/types.ts';
import { formatValue } from './go-format.ts';
import type { TemplateLimits } from './limits.ts';
import {
  byteLength,
  GoObject,
  importValue,
  isBytes,
  isList,
  isMap,
  mapGet,
  sortedKeys,
  truth,
  typeName,
} from './values.ts';

export type MissingKeyMode = 'default' | 'error';

export interface ExecuteContext {
  templates: ReadonlyMap<string, Tree>;
  functions: FunctionTable;
  limits: TemplateLimits;
  missingKey: MissingKeyMode;
  random: (size: number) => Uint8Array;
}

/** Marks "no value piped in" (distinct from a piped missing value). */
const noFinal: unique symbol = Symbol('noFinal');
type Final = unknown | typeof noFinal;

const breakSignal = Symbol('break');
const continueSignal = Symbol('continue');

type At = { pos: number; end: number };

/** Renders a template; the output is text chunks plus raw bytes where binary values were printed. */
export function executeTree(tree: Tree, data: unknown, ctx: ExecuteContext): (string | Uint8Array)[] {
  const state = new State(ctx, tree);
  try {
    const dot = data === null || data === undefined ? undefined : importValue(data);
    state.run(dot);
  } catch (e) {
    throw state.translate(e);
  }
  return state.output;
}

class State implements CallContext {
  readonly output: (string | Uint8Array)[] = [];
  readonly limits: TemplateLimits;
  private readonly ctx: ExecuteContext;
  private tree: Tree;
  private node: At | undefined;
  private vars: { name: string; value: unknown }[] = [];
  private outputBytes = 0;
  private steps = 0;
  private rangeIterations = 0;
  private depth = 0;
  private builtBytes = 0;
  private passwordHashes = 0;
  private startedAt = performance.now();

  constructor(ctx: ExecuteContext, tree: Tree) {
    this.ctx = ctx;
    this.limits = ctx.limits;
    this.tree = tree;
  }

  run(dot: unknown): void {
    this.vars = [{ name: '$', value: dot }];
    this.walkList(dot, this.tree.root);
  }

  // --- errors -------------------------------------------------------------------------------

  private where(): { prefix: string; position: { template: string; line: number; column: number } | undefined } {
    const name = this.tree.name;
    if (!this.node) return { prefix: `template: ${name}`, position: undefined };
    const { line, column } = this.tree.source.position(this.node.pos);
    return {
      prefix: `template: ${name}:${line}:${column}: executing ${JSON.stringify(name)} at <${describeNode(this.node)}>`,
      position: { template: name, line, column },
    };
  }

  private error(message: string): TemplateError {
    const { prefix, position } = this.where();
    return new TemplateError('exec', `${prefix}: ${message}`, position);
  }

  translate(e: unknown): TemplateError {
    if (e instanceof TemplateError) return e;
    const { prefix, position } = this.where();
    if (e instanceof LimitError) return new TemplateError('limit', `${prefix}: limit exceeded: ${e.message}`, position);
    if (e instanceof RangeError) {
      // Stack overflow or a string past the engine's maximum: both are resource limits.
      return new TemplateError(
        'limit',
        `${prefix}: limit exceeded: evaluation is nested too deeply or too large`,
        position,
      );
    }
    if (e instanceof FuncError) return new TemplateError('exec', `${prefix}: ${e.message}`, position);
    if (e === breakSignal || e === continueSignal) return this.error('{{break}} or {{continue}} outside {{range}}');
    return new TemplateError('exec', `${prefix}: internal error`, position);
  }

  private at(node: At): void {
    this.node = node;
  }

  // --- limits (CallContext) -------------------------------------------------------------------

  private step(): void {
    if (++this.steps > this.limits.maxSteps) {
      throw new LimitError(`evaluation took more than ${this.limits.maxSteps} steps (maxSteps)`);
    }
    // The engine is synchronous: the event loop waits for it. The step count bounds the work,
    // the clock bounds what that work costs on a busy machine (checked every 1024 steps).
    if ((this.steps & 1023) === 0 && performance.now() - this.startedAt > this.limits.maxMillis) {
      throw new LimitError(`evaluation took longer than ${this.limits.maxMillis} ms (maxMillis)`);
    }
  }

  randomBytes(size: number): Uint8Array {
    return this.ctx.random(size);
  }

  passwordHash<T>(hash: () => T): T {
    if (++this.passwordHashes > this.limits.maxPasswordHashes) {
      throw new LimitError(`more than ${this.limits.maxPasswordHashes} password hashes (maxPasswordHashes)`);
    }
    const started = performance.now();
    try {
      return hash();
    } finally {
      this.startedAt += performance.now() - started;
    }
  }

  checkLength(length: number): void {
    if (length > this.limits.maxOutputBytes) {
      throw new LimitError(`a value would be longer than ${this.limits.maxOutputBytes} bytes (maxOutputBytes)`);
    }
  }

  checkItems(count: number): void {
    if (count > this.limits.maxCollectionItems) {
      throw new LimitError(
        `a list or map would have more than ${this.limits.maxCollectionItems} items (maxCollectionItems)`,
      );
    }
  }

  private write(s: string | Uint8Array): void {
    if (s.length === 0) return;
    this.outputBytes += typeof s === 'string' ? byteLength(s) : s.length;
    if (this.outputBytes > this.limits.maxOutputBytes) {
      throw new LimitError(`output is larger than ${this.limits.maxOutputBytes} bytes (maxOutputBytes)`);
    }
    this.output.push(s);
  }

  // --- variables ----------------------------------------------------------------------------

  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    throw this.error(`undefined variable: ${name}`);
  }

  /** Sets the n-th variable from the top (1 is the last pushed). */
  private setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    throw this.error(`undefined variable: ${name}`);
  }

  // --- statements ---------------------------------------------------------------------------

  private walkList(dot: unknown, list: ListNode): void {
    for (const node of list.nodes) this.walk(dot, node);
  }

  private walk(dot: unknown, node: Node): void {
    this.step();
    this.at(node);
    switch (node.type) {
      case 'text':
        this.write(node.text);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(dot, node);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node);
        return;
      case 'break':
        throw breakSignal;
      case 'continue':
        throw continueSignal;
    }
  }

  private printValue(node: At, value: unknown): void {
    this.at(node);
    if (value === undefined) {
      this.write('<no value>');
      return;
    }
    this.write(isBytes(value) ? value : formatValue(value));
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (truth(value)) this.walkList(node.type === 'with' ? value : dot, node.list);
      else if (node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const decl = node.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown): boolean => {
        this.at(node);
        if (++this.rangeIterations > this.limits.maxRangeIterations) {
          throw new LimitError(`range ran more than ${this.limits.maxRangeIterations} iterations (maxRangeIterations)`);
        }
        if (decl.length > 0) {
          if (node.pipe.isAssign) {
            if (decl.length > 1) {
              this.setVar(decl[0]!.ident[0]!, index);
              this.setVar(decl[1]!.ident[0]!, elem);
            } else {
              this.setVar(decl[0]!.ident[0]!, elem);
            }
          } else {
            this.setTopVar(1, elem);
            if (decl.length > 1) this.setTopVar(2, index);
          }
        }
        const inner = this.vars.length;
        try {
          this.walkList(elem, node.list);
        } catch (e) {
          if (e === continueSignal) return true;
          if (e === breakSignal) return false;
          throw e;
        } finally {
          this.vars.length = inner;
        }
        return true;
      };

      let ran = false;
      if (isList(value)) {
        const items = value.slice();
        for (let i = 0; i < items.length; i++) {
          ran = true;
          if (!oneIteration(BigInt(i), items[i])) break;
        }
      } else if (isMap(value)) {
        for (const key of sortedKeys(value)) {
          ran = true;
          if (!oneIteration(key, mapGet(value, key))) break;
        }
      } else if (typeof value === 'bigint') {
        if (decl.length > 1) throw this.error('cannot use an integer to iterate over more than one variable');
        for (let i = 0n; i < value; i++) {
          ran = true;
          if (!oneIteration(i, i)) break;
        }
      } else if (value !== undefined && value !== null) {
        throw this.error(`range can't iterate over a value of type ${typeName(value)}`);
      }
      if (!ran && node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, node: TemplateNode): void {
    const tree = this.ctx.templates.get(node.name);
    if (!tree) {
      throw this.error(
        `no template ${JSON.stringify(node.name)} associated with template ${JSON.stringify(this.tree.name)}`,
      );
    }
    if (this.depth >= this.limits.maxTemplateDepth) {
      throw new LimitError(`templates nested more than ${this.limits.maxTemplateDepth} levels deep (maxTemplateDepth)`);
    }
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const saved = { vars: this.vars, tree: this.tree };
    this.depth++;
    this.tree = tree;
    this.vars = [{ name: '$', value: newDot }];
    try {
      this.walkList(newDot, tree.root);
    } catch (e) {
      // Errors inside the called template are reported at their own position.
      throw this.translate(e);
    }
    this.depth--;
    this.vars = saved.vars;
    this.tree = saved.tree;
  }

  // --- pipelines and commands ---------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = noFinal;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    const result = value === noFinal ? undefined : value;
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, result);
      else this.push(v.ident[0]!, result);
    }
    return result;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        throw this.error('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== noFinal) {
      const a = args[0]!;
      this.at(a);
      throw this.error(`can't give argument to non-function ${this.tree.source.text.slice(a.pos, a.end)}`);
    }
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.isFloat && !n.intLike && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    return n.float;
  }

  private evalVariable(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalChain(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    if (chain.node.type === 'nil') {
      this.at(chain);
      throw this.error('indirection through explicit nil');
    }
    const receiver = this.evalArg(dot, 'value', chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.field, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: FieldNode | VariableNode | ChainNode,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): unknown {
    this.at(node);
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i]!, [], noFinal, receiver);
    return this.evalField(dot, ident.at(-1)!, args, final, receiver);
  }

  private evalField(dot: unknown, fieldName: string, args: ArgNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.ctx.missingKey === 'error') throw this.error(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    if (receiver === null) throw this.error(`nil pointer evaluating interface {}.${fieldName}`);
    if (isMap(receiver)) {
      if (args.length > 1 || final !== noFinal) throw this.error(`${fieldName} is not a method but has arguments`);
      const value = mapGet(receiver, fieldName);
      if (value === undefined && this.ctx.missingKey === 'error') {
        throw this.error(`map has no entry for key ${JSON.stringify(fieldName)}`);
      }
      return value;
    }
    // Go looks for a method first: `.Major` on a *semver.Version calls Major().
    const method = receiver instanceof GoObject ? receiver.method(fieldName) : undefined;
    if (method) return this.invoke(dot, fieldName, method, args.slice(1), final);
    throw this.error(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, args: ArgNode[], final: Final): unknown {
    this.at(node);
    const name = node.name;
    const fn = this.ctx.functions.get(name)!;
    const argNodes = args.slice(1);
    // and/or short-circuit: later arguments are not evaluated once the answer is known.
    if (name === 'and' || name === 'or') {
      this.checkArgCount(name, fn, argNodes.length + (final === noFinal ? 0 : 1));
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(dot, 'value', a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === noFinal ? v : final;
    }
    return this.invoke(dot, name, fn, argNodes, final);
  }

  private checkArgCount(name: string, fn: TemplateFunction, given: number): void {
    const fixed = fn.params.length;
    if (fn.variadic ? given < fixed : given !== fixed) {
      throw this.error(`wrong number of args for ${name}: want ${fn.variadic ? 'at least ' : ''}${fixed} got ${given}`);
    }
  }

  /** Calls a function or method: arguments converted to its parameter types, errors and sizes checked. */
  private invoke(dot: unknown, name: string, fn: TemplateFunction, argNodes: ArgNode[], final: Final): unknown {
    const node = this.node;
    const given = argNodes.length + (final === noFinal ? 0 : 1);
    this.checkArgCount(name, fn, given);
    const values: unknown[] = [];
    argNodes.forEach((a, i) => {
      values.push(this.evalArg(dot, fn.params[i] ?? fn.variadic!, a));
    });
    if (final !== noFinal) values.push(this.validate(final, fn.params[given - 1] ?? fn.variadic!));
    if (node) this.at(node);
    this.step();
    let result: unknown;
    try {
      result = fn.call(values, this);
    } catch (e) {
      if (e instanceof FuncError) throw this.error(`error calling ${name}: ${e.message}`);
      if (e instanceof LimitError || e instanceof TemplateError || e instanceof RangeError) throw e;
      throw this.error(`error calling ${name}: internal error`);
    }
    if (typeof result === 'string') {
      this.checkLength(result.length);
      // Each value is capped, but a loop could still build many large ones: cap the total too.
      this.builtBytes += result.length;
      const budget = this.limits.maxOutputBytes * 64;
      if (this.builtBytes > budget)
        throw new LimitError(`functions built more than ${budget} bytes of strings in total`);
    } else if (isList(result)) this.checkItems(result.length);
    return result;
  }

  // --- arguments ----------------------------------------------------------------------------

  private evalArg(dot: unknown, kind: ParamKind, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validate(dot, kind);
      case 'nil':
        if (kind === 'any' || kind === 'value') return null;
        throw this.error(`cannot assign nil to ${kind}`);
      case 'field':
        return this.validate(this.evalFieldChain(dot, dot, n, n.ident, [n], noFinal), kind);
      case 'variable':
        return this.validate(this.evalVariable(dot, n, [n], noFinal), kind);
      case 'pipe':
        return this.validate(this.evalPipeline(dot, n), kind);
      case 'identifier':
        return this.validate(this.evalFunction(dot, n, [n], noFinal), kind);
      case 'chain':
        return this.validate(this.evalChain(dot, n, [n], noFinal), kind);
    }
    const literal = this.tree.source.text.slice(n.pos, n.end);
    switch (kind) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        throw this.error(`expected bool; found ${literal}`);
      case 'string':
        if (n.type === 'string') return n.text;
        throw this.error(`expected string; found ${literal}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        throw this.error(`expected integer; found ${literal}`);
      case 'float':
        if (n.type === 'number' && n.isFloat) return n.float;
        throw this.error(`expected float; found ${literal}`);
    }
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  /** Go's validateType: a value must fit the parameter's type. */
  private validate(value: unknown, kind: ParamKind): unknown {
    if (value === undefined) {
      if (kind === 'value') return undefined;
      if (kind === 'any') return null;
      throw this.error(`invalid value; expected ${goKind(kind)}`);
    }
    const ok =
      kind === 'any' ||
      kind === 'value' ||
      (kind === 'string' && typeof value === 'string') ||
      (kind === 'int' && typeof value === 'bigint') ||
      (kind === 'float' && typeof value === 'number') ||
      (kind === 'bool' && typeof value === 'boolean');
    if (!ok) throw this.error(`wrong type for value; expected ${goKind(kind)}; got ${typeName(value)}`);
    return value;
  }
}

function goKind(kind: ParamKind): string {
  return kind === 'float' ? 'float64' : kind === 'any' || kind === 'value' ? 'interface {}' : kind;
}

/**
 * What `at <…>` shows: the function, field or variable the error happened at, never a
 * literal or the template's text (Go quotes the action's text; a template read from a Secret
 * through templateFrom may hold secret literals).
 */
function describeNode(node: At): string {
  const n = node as ArgNode | Node | CommandNode;
  switch (n.type) {
    case 'identifier':
      return n.name;
    case 'field':
      return `.${n.ident.join('.')}`;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'chain':
      return `${describeNode(n.node)}.${n.field.join('.')}`;
    case 'pipe': {
      const head = n.cmds[0]?.args[0];
      return head ? describeNode(head) : 'pipeline';
    }
    case 'string':
      return 'string literal';
    case 'number':
      return 'number';
    case 'bool':
      return 'bool';
    case 'if':
    case 'with':
    case 'range':
    case 'template':
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'action':
      return describeNode(n.pipe);
    case 'command':
      return n.args[0] ? describeNode(n.args[0]) : 'command';
    default:
      return 'text';
  }
}
