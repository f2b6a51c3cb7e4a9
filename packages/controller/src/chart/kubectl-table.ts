// Reads the tables `kubectl get` prints. kubectl aligns columns with a tabwriter (left
// aligned, at least three spaces apart), so a cell starts where its header starts; splitting
// on whitespace would shift every cell after an empty one.

export interface KubectlTable {
  headers: string[];
  /** Cells by header; an empty cell is ''. */
  rows: Record<string, string>[];
  /** The table as printed, for assertion messages. */
  text: string;
}

/** One table per blank-line separated block (`kubectl get a,b` and categories print several). */
export function parseKubectlTables(output: string): KubectlTable[] {
  return output
    .split(/\n\s*\n/)
    .map((block) => block.split('\n').filter((line) => line.trim() !== ''))
    .filter((lines) => lines.length > 0)
    .map((lines) => parseTable(lines));
}

function parseTable(lines: string[]): KubectlTable {
  const [headerLine = '', ...rowLines] = lines;
  // Header names hold single spaces (REFRESH INTERVAL); columns are two or more apart.
  const columns = [...headerLine.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  const rows = rowLines.map((line) =>
    Object.fromEntries(
      columns.map((column, i) => [column.name, line.slice(column.start, columns[i + 1]?.start ?? line.length).trim()]),
    ),
  );
  return { headers: columns.map((c) => c.name), rows, text: lines.join('\n') };
}
