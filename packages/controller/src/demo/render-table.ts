// The demo's table as text: a pure function of the rows and the time, so the terminal
// view, the headless snapshots and the tests all see the same thing.

import { formatDuration } from '@lockstep/core';
import type { DemoRow } from './demo-row.ts';

export interface RenderOptions {
  /** Terminal width: the widest columns are shortened to fit. */
  width?: number;
  /** ANSI colours for the Ready column (terminal only). */
  color?: boolean;
}

const HEADERS = ['RESOURCE', 'MODEL', 'READY', 'TARGET SECRET: KEYS', 'LEASE TTL', 'NEXT'] as const;
/** Widest a column grows before its cells are cut; the target column shrinks first to fit the width. */
const MAX_WIDTH = [56, 12, 36, 64, 10, 22];
const MIN_WIDTH = [24, 12, 14, 20, 10, 14];
const SHRINK_ORDER = [3, 2, 0, 5];
const GAP = '  ';
const NONE = '-';

export function renderTable(rows: readonly DemoRow[], now: Date, opts: RenderOptions = {}): string {
  if (rows.length === 0) return 'no Lockstep resources yet\n';
  const cells = rows.map((row) => [
    resourceCell(row),
    row.model,
    readyCell(row),
    targetCell(row),
    leaseCell(row, now),
    nextCell(row, now),
  ]);
  const widths = HEADERS.map((h, i) =>
    Math.min(MAX_WIDTH[i] ?? 0, Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length))),
  );
  if (opts.width) fitWidths(widths, opts.width);

  const line = (values: readonly string[], colorOf?: (i: number) => string | undefined) =>
    values
      .map((v, i) => {
        const padded = i === values.length - 1 ? cut(v, widths[i] ?? 0) : pad(cut(v, widths[i] ?? 0), widths[i] ?? 0);
        const color = colorOf?.(i);
        return color ? `${color}${padded}\u001b[0m` : padded;
      })
      .join(GAP)
      .trimEnd();
  const out = [line(HEADERS)];
  rows.forEach((row, r) => {
    out.push(line(cells[r] ?? [], (i) => (opts.color && i === 2 ? readyColor(row) : undefined)));
  });

  const problems = rows.filter((row) => row.ready !== 'True' && row.message);
  if (problems.length > 0) {
    out.push('', 'not ready:');
    for (const row of problems) {
      const text = `  ${resourceCell(row)}: ${row.message}`;
      out.push(opts.width ? cut(text, opts.width) : text);
    }
  }
  return `${out.join('\n')}\n`;
}

function resourceCell(row: DemoRow): string {
  return `${row.kind} ${row.namespace ? `${row.namespace}/` : ''}${row.name}`;
}

function readyCell(row: DemoRow): string {
  return [row.ready ?? NONE, row.reason].filter(Boolean).join(' ');
}

function targetCell(row: DemoRow): string {
  const t = row.target;
  if (!t) return NONE;
  if (t.summary) return t.summary;
  const name = t.namespace && t.namespace !== row.namespace ? `${t.namespace}/${t.name}` : t.name;
  if (!t.keys) return `${name}: (not created)`;
  return `${name}: ${t.keys.length ? [...t.keys].sort().join(', ') : '(no keys)'}`;
}

function leaseCell(row: DemoRow, now: Date): string {
  if (!row.leaseExpiry) return NONE;
  const left = row.leaseExpiry.getTime() - now.getTime();
  return left > 0 ? formatDuration(left) : 'expired';
}

function nextCell(row: DemoRow, now: Date): string {
  const next = row.next;
  if (!next) return NONE;
  if (next.at) {
    const left = next.at.getTime() - now.getTime();
    return `${next.label} ${left > 0 ? `in ${formatDuration(left)}` : 'due'}`;
  }
  return next.rule ? `${next.label} ${next.rule}` : next.label;
}

function readyColor(row: DemoRow): string {
  if (row.ready === 'True') return '\u001b[32m';
  if (row.ready === 'False') return '\u001b[31m';
  return '\u001b[33m';
}

function fitWidths(widths: number[], total: number): void {
  const used = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  for (const i of SHRINK_ORDER) {
    const over = used() - total;
    if (over <= 0) return;
    const current = widths[i] ?? 0;
    widths[i] = Math.max(MIN_WIDTH[i] ?? 0, current - over);
  }
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
