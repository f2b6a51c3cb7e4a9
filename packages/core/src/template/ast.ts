// Parse tree of a Go template, shaped like Go's text/template/parse nodes.
// Every node keeps its source offsets so errors can point at `name:line:col` and quote the
// template text (never data).

import type { Source } from './source.ts';

interface At {
  pos: number;
  end: number;
}

export interface ListNode {
  type: 'list';
  nodes: Node[];
}

export interface TextNode extends At {
  type: 'text';
  text: string;
}

export interface ActionNode extends At {
  type: 'action';
  pipe: PipeNode;
}

export interface BranchNode extends At {
  type: 'if' | 'with' | 'range';
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | undefined;
}

export interface TemplateNode extends At {
  type: 'template';
  name: string;
  pipe: PipeNode | undefined;
}

export interface LoopControlNode extends At {
  type: 'break' | 'continue';
}

export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode;

export interface PipeNode extends At {
  type: 'pipe';
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}

export interface CommandNode extends At {
  type: 'command';
  args: ArgNode[];
}

export interface FieldNode extends At {
  type: 'field';
  ident: string[];
}

export interface VariableNode extends At {
  type: 'variable';
  /** ["$x", "a", "b"] for $x.a.b */
  ident: string[];
}

export interface ChainNode extends At {
  type: 'chain';
  node: ArgNode;
  field: string[];
}

export interface IdentifierNode extends At {
  type: 'identifier';
  name: string;
}

export interface DotNode extends At {
  type: 'dot';
}

export interface NilNode extends At {
  type: 'nil';
}

export interface BoolNode extends At {
  type: 'bool';
  value: boolean;
}

export interface StringNode extends At {
  type: 'string';
  text: string;
}

export interface NumberNode extends At {
  type: 'number';
  text: string;
  isInt: boolean;
  isFloat: boolean;
  /** The literal is an integer written with a hex prefix or as a character constant. */
  intLike: boolean;
  int: bigint;
  float: number;
}

export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | StringNode
  | NumberNode
  | PipeNode;

/** A parsed template body plus the text it came from (defines may come from other partials). */
export interface Tree {
  name: string;
  root: ListNode;
  source: Source;
}
