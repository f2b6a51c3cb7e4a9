// Tokenizer for Go text/template: text, {{ }} actions with {{- -}} trim markers, comments
// {{/* */}}, and the tokens inside actions. Follows Go's lexer rules, including that a trim
// marker needs a space ("{{-3}}" is the number -3) and that operands must be separated.

import { TemplateError } from './errors.ts';
import { maxTemplateTokens } from './limits.ts';
import type { Source } from './source.ts';

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'eof'
  | 'field'
  | 'variable'
  | 'dot'
  | 'identifier'
  | 'keyword'
  | 'bool'
  | 'nil'
  | 'number'
  | 'charConstant'
  | 'string'
  | 'rawString'
  | 'pipe'
  | 'assign'
  | 'declare'
  | 'leftParen'
  | 'rightParen'
  | 'char';

export interface Token {
  type: TokenType;
  /** Source text of the token (for text tokens: the text after trimming). */
  value: string;
  pos: number;
  end: number;
  /** Whitespace separates this token from the previous one inside an action. */
  spaceBefore: boolean;
}

const keywords = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

export function lex(source: Source): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  const fail = (pos: number, message: string): never => {
    const { line, column } = source.position(pos);
    throw new TemplateError('parse', `template: ${source.name}:${line}:${column}: ${message}`, {
      template: source.name,
      line,
      column,
    });
  };
  const atRightDelim = (p: number): { trim: boolean; length: number } | undefined => {
    if (isSpace(text[p]) && text[p + 1] === '-' && text.startsWith('}}', p + 2)) return { trim: true, length: 4 };
    if (text.startsWith('}}', p)) return { trim: false, length: 2 };
    return undefined;
  };

  const checkTerminator = (at: number): void => {
    const t = text[at];
    if (t === undefined || isSpace(t) || '.,|:()'.includes(t) || text.startsWith('}}', at)) return;
    fail(at, 'bad character after a term');
  };
  const scanNumber = (at: number): number => {
    let q = at;
    if (text[q] === '+' || text[q] === '-') q++;
    let digits = '0123456789_';
    if (text[q] === '0' && /[xXoObB]/.test(text[q + 1] ?? '')) {
      const base = text[q + 1]!.toLowerCase();
      digits = base === 'x' ? '0123456789abcdefABCDEF_' : base === 'o' ? '01234567_' : '01_';
      q += 2;
    }
    const run = (): void => {
      while (q < text.length && digits.includes(text[q]!)) q++;
    };
    run();
    if (text[q] === '.') {
      q++;
      run();
    }
    const expChars = digits.length > 20 ? 'pP' : 'eEpP';
    if (expChars.includes(text[q] ?? '~')) {
      q++;
      if (text[q] === '+' || text[q] === '-') q++;
      while (isDigit(text[q]) || text[q] === '_') q++;
    }
    if (text[q] === 'i') q++;
    return q;
  };

  let i = 0;
  let trimNextText = false;
  while (i <= text.length) {
    const open = text.indexOf('{{', i);
    const textEnd = open < 0 ? text.length : open;
    const trimLeft = open >= 0 && text[open + 2] === '-' && isSpace(text[open + 3]);
    let chunkStart = i;
    if (trimNextText) while (chunkStart < textEnd && isSpace(text[chunkStart])) chunkStart++;
    let chunkEnd = textEnd;
    if (trimLeft) while (chunkEnd > chunkStart && isSpace(text[chunkEnd - 1])) chunkEnd--;
    if (chunkEnd > chunkStart) {
      tokens.push({
        type: 'text',
        value: text.slice(chunkStart, chunkEnd),
        pos: chunkStart,
        end: chunkEnd,
        spaceBefore: false,
      });
    }
    if (open < 0) break;
    let p = open + 2 + (trimLeft ? 2 : 0);

    if (text.startsWith('/*', p)) {
      const close = text.indexOf('*/', p + 2);
      if (close < 0) fail(open, 'unclosed comment');
      const delim = atRightDelim(close + 2);
      if (!delim) fail(open, 'comment ends before closing delimiter');
      trimNextText = delim!.trim;
      i = close + 2 + delim!.length;
      continue;
    }

    tokens.push({ type: 'leftDelim', value: '{{', pos: open, end: p, spaceBefore: false });
    let parenDepth = 0;
    let spaceBefore = false;
    const push = (type: TokenType, start: number, end: number, value = text.slice(start, end)): void => {
      if (tokens.length >= maxTemplateTokens) {
        throw new TemplateError(
          'limit',
          `template: ${source.name}: limit exceeded: more than ${maxTemplateTokens} tokens`,
        );
      }
      tokens.push({ type, value, pos: start, end, spaceBefore });
      spaceBefore = false;
    };
    for (;;) {
      const delim = atRightDelim(p);
      if (delim) {
        if (parenDepth > 0) fail(p, 'unclosed left paren');
        push('rightDelim', p, p + delim.length);
        trimNextText = delim.trim;
        p += delim.length;
        break;
      }
      const c = text[p];
      if (c === undefined) return fail(open, 'unclosed action');
      const start = p;
      if (isSpace(c)) {
        while (isSpace(text[p]) && !atRightDelim(p)?.trim) p++;
        spaceBefore = true;
        continue;
      }
      switch (c) {
        case '=':
          push('assign', p, ++p);
          continue;
        case ':':
          if (text[p + 1] !== '=') fail(p, 'expected :=');
          p += 2;
          push('declare', start, p);
          continue;
        case '|':
          push('pipe', p, ++p);
          continue;
        case '"': {
          p++;
          while (text[p] !== '"') {
            if (text[p] === '\\') p++;
            if (p >= text.length || text[p] === '\n') fail(start, 'unterminated quoted string');
            p++;
          }
          push('string', start, ++p);
          continue;
        }
        case '`': {
          const close = text.indexOf('`', p + 1);
          if (close < 0) fail(start, 'unterminated raw quoted string');
          p = close + 1;
          push('rawString', start, p);
          continue;
        }
        case "'": {
          p++;
          while (text[p] !== "'") {
            if (text[p] === '\\') p++;
            if (p >= text.length || text[p] === '\n') fail(start, 'unterminated character constant');
            p++;
          }
          push('charConstant', start, ++p);
          continue;
        }
        case '$': {
          p++;
          while (isAlphaNumeric(text[p])) p++;
          checkTerminator(p);
          push('variable', start, p);
          continue;
        }
        case '(':
          parenDepth++;
          push('leftParen', p, ++p);
          continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) fail(p, 'unexpected right paren');
          push('rightParen', p, ++p);
          continue;
      }
      if (c === '.' && !isDigit(text[p + 1])) {
        p++;
        while (isAlphaNumeric(text[p])) p++;
        checkTerminator(p);
        push(p === start + 1 ? 'dot' : 'field', start, p);
        continue;
      }
      if (c === '+' || c === '-' || c === '.' || isDigit(c)) {
        p = scanNumber(p);
        if (isAlphaNumeric(text[p])) fail(start, 'bad number syntax');
        push('number', start, p);
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(text[p])) p++;
        checkTerminator(p);
        const word = text.slice(start, p);
        if (keywords.has(word)) push('keyword', start, p);
        else if (word === 'true' || word === 'false') push('bool', start, p);
        else if (word === 'nil') push('nil', start, p);
        else push('identifier', start, p);
        continue;
      }
      const code = c.codePointAt(0)!;
      if (code < 0x7f && code >= 0x20) {
        push('char', p, ++p);
        continue;
      }
      fail(p, `unrecognized character in action (U+${code.toString(16).toUpperCase().padStart(4, '0')})`);
    }
    i = p;
    if (i >= text.length) break;
  }
  tokens.push({ type: 'eof', value: '', pos: text.length, end: text.length, spaceBefore: false });
  return tokens;
}
