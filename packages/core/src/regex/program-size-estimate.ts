// An upper-bound guess of how many instructions an RE2 pattern compiles to, read from the
// pattern text alone. Why before compiling: counted repetition multiplies, so a 4 KiB pattern
// such as `a{1000}a{1000}…` compiles to over half a million instructions and re2js spends
// seconds building it. Go refuses such patterns while parsing ("expression too large");
// this estimate lets us refuse them just as early. It need not be exact: it only has to
// grow like the real program, and the compiled size is checked again afterwards.

const REPEAT = /^\{(\d+)(,(\d*))?\}/;

interface Frame {
  total: number;
  /** Size of the last atom, which a following repetition operator multiplies. */
  last: number;
}

/** Estimated instruction count of `pattern`, capped at `cap` (the scan stops there). */
export function estimateProgramSize(pattern: string, cap: number): number {
  const stack: Frame[] = [{ total: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const atom = (size: number) => {
    const f = top();
    f.total += size;
    f.last = size;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      i = skipEscape(pattern, i, atom);
    } else if (c === '[') {
      i = skipClass(pattern, i);
      atom(1);
    } else if (c === '(') {
      stack.push({ total: 0, last: 0 });
      i++;
    } else if (c === ')') {
      const inner = stack.length > 1 ? stack.pop()! : { total: 0 };
      atom(inner.total + 2);
      i++;
    } else if (c === '|') {
      top().total += 1;
      top().last = 0;
      i++;
    } else if (c === '*' || c === '+' || c === '?') {
      top().total += 1;
      i++;
    } else {
      const repeat = c === '{' ? REPEAT.exec(pattern.slice(i, i + 24)) : null;
      if (repeat) {
        const min = Number(repeat[1]);
        const max = repeat[2] === undefined ? min : repeat[3] === '' ? min + 1 : Number(repeat[3]);
        const f = top();
        const grown = f.last * Math.max(min, max, 1);
        f.total += grown - f.last + 1;
        f.last = grown;
        i += repeat[0].length;
      } else {
        atom(1);
        i++;
      }
    }
    const total = stack.reduce((sum, f) => sum + f.total, 0);
    if (total > cap) return total;
  }
  return stack.reduce((sum, f) => sum + f.total, 0);
}

/** `\Q…\E` counts each quoted character; `\p{…}`, `\x{…}` and `\d` style escapes count one. */
function skipEscape(pattern: string, i: number, atom: (size: number) => void): number {
  const next = pattern[i + 1];
  if (next === 'Q') {
    const end = pattern.indexOf('\\E', i + 2);
    const stop = end < 0 ? pattern.length : end;
    for (let k = i + 2; k < stop; k++) atom(1);
    return end < 0 ? pattern.length : end + 2;
  }
  if ((next === 'p' || next === 'P' || next === 'x') && pattern[i + 2] === '{') {
    const close = pattern.indexOf('}', i + 3);
    atom(1);
    return close < 0 ? pattern.length : close + 1;
  }
  atom(1);
  return i + 2;
}

/** Index after the `]` closing the class that starts at `i` (a leading `]` or `^]` is literal). */
function skipClass(pattern: string, i: number): number {
  let k = i + 1;
  if (pattern[k] === '^') k++;
  if (pattern[k] === ']') k++;
  while (k < pattern.length && pattern[k] !== ']') {
    if (pattern[k] === '\\') k += 2;
    else if (pattern.startsWith('[:', k)) {
      const close = pattern.indexOf(':]', k + 2);
      k = close < 0 ? k + 1 : close + 2;
    } else k++;
  }
  return k + 1;
}
