// Where frames go: a terminal is redrawn in place; anything else (CI, a pipe, the
// headless test) gets one timestamped snapshot per interval and a final one.

import type { WriteStream } from 'node:tty';

export interface LiveOutput {
  frame(text: string, now: Date): void;
  /** The last frame stays readable; headless output labels it as the final snapshot. */
  finish(text: string, now: Date): void;
}

const ESC = '\u001b[';

export function terminalOutput(stream: WriteStream): LiveOutput {
  let first = true;
  const draw = (text: string) => {
    // Home, then each line followed by "erase to end of line", then "erase below": no flicker.
    const body = text.replace(/\n$/, '').split('\n').join(`${ESC}K\n`);
    stream.write(`${first ? `${ESC}2J` : ''}${ESC}H${ESC}?25l${body}${ESC}K\n${ESC}J`);
    first = false;
  };
  return {
    frame: (text) => draw(text),
    finish(text) {
      draw(text);
      stream.write(`${ESC}?25h`);
    },
  };
}

export function snapshotOutput(stream: NodeJS.WritableStream, startedAt: Date): LiveOutput {
  const stamp = (now: Date) => `${now.toISOString()} (+${Math.round((now.getTime() - startedAt.getTime()) / 1000)}s)`;
  return {
    frame: (text, now) => stream.write(`=== snapshot ${stamp(now)} ===\n${text}`),
    finish: (text, now) => stream.write(`=== final snapshot ${stamp(now)} ===\n${text}`),
  };
}
