// Public API of the template engine: Go text/template syntax with the Sprig functions ESO users
// rely on, interpreted (never compiled to JavaScript) and sandboxed.
// Not provided: time, randomness, environment and network functions (templates must be
// deterministic and contained), Go's `call`, and Sprig's string case helpers (camelcase...).
// Random by design but provided, because ESO users need them: htpasswd/bcrypt and the PKCS#12
// encoders (their randomness comes from ExecuteOptions.random).

import { randomBytes } from 'node:crypto';
import type { Tree } from './ast.ts';
import { TemplateError } from './errors.ts';
import { executeTree, type MissingKeyMode } from './evaluate.ts';
import { checkFunction, templateFunctions } from './functions/registry.ts';
import { resolveLimits, type TemplateLimits } from './limits.ts';
import { parseTemplate } from './parser.ts';
import { Source } from './source.ts';

export { TemplateError, type TemplateErrorKind, type TemplatePosition } from './errors.ts';
export type { MissingKeyMode } from './evaluate.ts';
export { defaultLimits, type TemplateLimits } from './limits.ts';

export interface CompileOptions {
  /** More named template texts (e.g. from templateFrom); their {{define}}s join the set and each is callable by name. */
  partials?: Record<string, string>;
}

export interface ExecuteOptions {
  limits?: Partial<TemplateLimits>;
  /**
   * What a missing map key does: 'default' prints `<no value>` (Go's default); 'error' fails,
   * as ESO runs templates (Option("missingkey=error")).
   */
  missingKey?: MissingKeyMode;
  /**
   * Source of random bytes for the functions that are random by design (htpasswd's bcrypt salt,
   * the PKCS#12 encoders' salts and IVs). Default: crypto.randomBytes. Tests inject their own.
   */
  random?: (size: number) => Uint8Array;
}

export interface CompiledTemplate {
  readonly name: string;
  /** Names of every template in the set (the main one, partials and {{define}}s). */
  readonly templateNames: readonly string[];
  /** Renders to a string. Fails if the output holds binary (non-UTF-8) data: use executeBytes for that. */
  execute(data: unknown, opts?: ExecuteOptions): string;
  /** Renders to bytes; binary values (e.g. `{{ .keystore | b64dec }}`) pass through unchanged. */
  executeBytes(data: unknown, opts?: ExecuteOptions): Uint8Array;
}

const maxTemplateBytes = 1024 * 1024;

export function compileTemplate(name: string, text: string, opts: CompileOptions = {}): CompiledTemplate {
  const templates = new Map<string, Tree>();
  const add = (sourceName: string, sourceText: string): void => {
    if (typeof sourceText !== 'string') {
      throw new TemplateError('parse', `template: ${sourceName}: template text must be a string`);
    }
    if (sourceText.length > maxTemplateBytes) {
      throw new TemplateError('parse', `template: ${sourceName}: template is larger than ${maxTemplateBytes} bytes`);
    }
    for (const [treeName, tree] of parseTemplate(new Source(sourceName, sourceText), checkFunction)) {
      const existing = templates.get(treeName);
      const isEmpty = tree.root.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
      if (existing && !isEmpty && existing.root.nodes.some((n) => n.type !== 'text' || n.text.trim() !== '')) {
        throw new TemplateError(
          'parse',
          `template: ${sourceName}: multiple definition of template ${JSON.stringify(treeName)}`,
        );
      }
      if (!existing || !isEmpty) templates.set(treeName, tree);
    }
  };
  for (const [partialName, partialText] of Object.entries(opts.partials ?? {})) add(partialName, partialText);
  add(name, text);
  const main = templates.get(name)!;

  const run = (data: unknown, execOpts: ExecuteOptions): (string | Uint8Array)[] =>
    executeTree(main, data, {
      templates,
      functions: templateFunctions,
      limits: resolveLimits(execOpts.limits),
      missingKey: execOpts.missingKey ?? 'default',
      random: execOpts.random ?? randomBytes,
    });

  return {
    name,
    templateNames: [...templates.keys()].sort(),
    execute(data, execOpts = {}) {
      const chunks = run(data, execOpts);
      if (chunks.some((c) => typeof c !== 'string')) {
        throw new TemplateError(
          'exec',
          `template: ${name}: the output contains binary (non-UTF-8) data; render it as bytes or encode it, e.g. with b64enc`,
        );
      }
      return chunks.join('');
    },
    executeBytes(data, execOpts = {}) {
      const chunks = run(data, execOpts);
      return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
    },
  };
}
