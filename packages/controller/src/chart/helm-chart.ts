// Runs the real helm and kubectl binaries that `make tools` installs into .tools/bin, and
// parses what `helm template` renders. Used by the chart tests.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
export const CHART_DIR = join(REPO_ROOT, 'charts/lockstep');
export const HELM = join(REPO_ROOT, '.tools/bin/helm');
export const KUBECTL = join(REPO_ROOT, '.tools/bin/kubectl');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  // Rendered objects are checked field by field; their shape varies by kind.
  // biome-ignore lint/suspicious/noExplicitAny: heterogeneous Kubernetes objects
  [field: string]: any;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails with a message that says how to get the binary, instead of skipping the test. */
export function requireTool(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make tools\` (it installs helm and kubectl)`);
  return path;
}

/** Runs a command without blocking the event loop (the embedded API server shares it). */
export function run(command: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** `helm <args> -f values.json`; values go through a file so nested values need no --set escaping. */
export async function helmWithValues(args: string[], values: object): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-chart-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    return await run(requireTool(HELM), [...args, '-f', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const RELEASE = 'lockstep';
export const RELEASE_NAMESPACE = 'lockstep-system';

/** `helm template` of the chart with `values`; throws with helm's message when rendering fails. */
export async function renderChart(values: object = {}, opts: { includeCrds?: boolean } = {}): Promise<Manifest[]> {
  const args = ['template', RELEASE, CHART_DIR, '--namespace', RELEASE_NAMESPACE];
  if (opts.includeCrds) args.push('--include-crds');
  const result = await helmWithValues(args, values);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): Manifest[] {
  const docs: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Manifest | null;
    if (value) docs.push(value);
  }
  return docs;
}

/** The one rendered object of `kind` (and `name`, when given); throws when there is not exactly one. */
export function only(docs: Manifest[], kind: string, name?: string, namespace?: string): Manifest {
  const found = docs.filter(
    (d) =>
      d.kind === kind &&
      (name === undefined || d.metadata.name === name) &&
      (namespace === undefined || d.metadata.namespace === namespace),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, rendered ${found.length}`);
  return found[0] as Manifest;
}
