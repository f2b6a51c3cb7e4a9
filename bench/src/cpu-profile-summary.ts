// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=1): self time by function and by
// package or file, so hot spots can be described precisely in bench/README.md.
// Usage: node bench/src/cpu-profile-summary.ts FILE.cpuprofile [TOP]

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: Array<{ name: string; ms: number; percent: number }>;
  byModule: Array<{ name: string; ms: number; percent: number }>;
  /** Total (self + descendants) time of functions, top down. */
  inclusive: Array<{ name: string; ms: number; percent: number }>;
}

function moduleOf(url: string): string {
  if (!url) return '(native/runtime)';
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/(packages\/[^/]+\/src\/.*)$/.exec(url);
  if (own?.[1]) return own[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const fnLabel = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    add(fn, fnLabel(n), us);
    add(mod, moduleOf(n.callFrame.url), us);
    // Inclusive: each distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const label = fnLabel(node);
      if (seen.has(label)) continue;
      seen.add(label);
      add(incl, label, us);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), byFunction: rank(fn), byModule: rank(mod), inclusive: rank(incl) };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [TOP]');
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top));
  const print = (title: string, rows: ProfileSummary['byFunction']) => {
    process.stdout.write(`\n${title}\n`);
    for (const r of rows)
      process.stdout.write(`${String(r.ms).padStart(7)} ms ${String(r.percent).padStart(5)}%  ${r.name}\n`);
  };
  process.stdout.write(`total sampled ${s.totalMs} ms\n`);
  print('self time by module', s.byModule);
  print('self time by function', s.byFunction);
  print('inclusive time by function', s.inclusive);
}
