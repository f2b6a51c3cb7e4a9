// Summarises a V8 .heapsnapshot (e.g. from BENCH_NODE_ARGS=--heapsnapshot-signal=SIGUSR2 and
// `kill -USR2 <controller pid>`): the live heap by constructor or node type, self sizes, so
// memory can be described precisely in bench/README.md.
// Usage: node bench/src/heap-snapshot-summary.ts FILE.heapsnapshot [TOP]

import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  top: Array<{ name: string; count: number; bytes: number; percent: number }>;
}

export function summariseHeap(snap: Snapshot, top = 25): HeapSummary {
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    const size = snap.nodes[i + sizeAt] as number;
    // Objects by constructor name; strings, code, arrays and the rest by their node type.
    const name =
      type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt] as number]}` : type;
    const g = groups.get(name) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += size;
    groups.set(name, g);
    total += size;
  }
  const rows = [...groups.entries()]
    .map(([name, g]) => ({ name, ...g, percent: Math.round((g.bytes / total) * 1000) / 10 }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
  return { totalBytes: total, nodes: snap.nodes.length / width, top: rows };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: heap-snapshot-summary.ts FILE.heapsnapshot [TOP]');
  const s = summariseHeap(JSON.parse(readFileSync(file, 'utf8')) as Snapshot, Number(topArg ?? 25));
  process.stdout.write(`live heap ${(s.totalBytes / 2 ** 20).toFixed(1)} MiB in ${s.nodes} nodes\n`);
  for (const r of s.top) {
    process.stdout.write(
      `${(r.bytes / 2 ** 20).toFixed(1).padStart(8)} MiB ${String(r.percent).padStart(5)}% ${String(r.count).padStart(9)}  ${r.name}\n`,
    );
  }
}
