// The walls between packages, read from the files that enforce them: each package's
// dependencies, its tsconfig references (`tsc -b` refuses an import of a package it does not
// reference) and its import statements. generic and vault-native never import each other;
// production code never imports the sandbox or a `/testing` subpath.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** What each workspace package may import; sandbox only from tests, testing helpers and dev tools. */
const ALLOWED: Record<string, { dir: string; deps: string[] }> = {
  sandbox: { dir: 'packages/sandbox', deps: [] },
  core: { dir: 'packages/core', deps: ['sandbox'] },
  generic: { dir: 'packages/generic', deps: ['core', 'sandbox'] },
  'vault-native': { dir: 'packages/vault-native', deps: ['core', 'sandbox'] },
  controller: { dir: 'packages/controller', deps: ['core', 'generic', 'vault-native', 'sandbox'] },
  bench: { dir: 'bench', deps: ['core', 'sandbox', 'vault-native'] },
};

const TEST_SUPPORT = /\.test\.ts$|\/testing\/|\/[a-z-]*e2e\/|\/demo\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

function importSpecifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

function lockstepName(specifier: string): string | undefined {
  return /^@lockstep\/([a-z-]+)/.exec(specifier)?.[1];
}

describe('package walls', () => {
  for (const [name, { dir, deps }] of Object.entries(ALLOWED)) {
    it(`${name}: package.json and tsconfig references name only allowed packages`, () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
        .map(lockstepName)
        .filter((n): n is string => n !== undefined);
      assert.deepEqual(
        declared.filter((d) => !deps.includes(d)),
        [],
        `${dir}/package.json depends on a package it must not`,
      );
      const tsconfig = JSON.parse(readFileSync(join(ROOT, dir, 'tsconfig.json'), 'utf8')) as {
        references?: { path: string }[];
      };
      const referenced = (tsconfig.references ?? []).map((r) => relative(ROOT, resolve(ROOT, dir, r.path)));
      const allowedDirs = deps.map((d) => ALLOWED[d]?.dir);
      assert.deepEqual(
        referenced.filter((r) => !allowedDirs.includes(r)),
        [],
        `${dir}/tsconfig.json references a package it must not`,
      );
      assert.deepEqual(
        declared.filter((d) => !referenced.includes(ALLOWED[d]?.dir ?? d)).sort(),
        [],
        `${dir}/tsconfig.json must reference every workspace package it depends on`,
      );
    });

    it(`${name}: imports stay inside the package or go through an allowed package's exports`, () => {
      const problems: string[] = [];
      for (const file of sourceFiles(dir)) {
        for (const spec of importSpecifiers(file)) {
          if (spec.startsWith('.')) {
            const target = relative(join(ROOT, dir), resolve(ROOT, dirname(file), spec));
            if (target.startsWith('..')) problems.push(`${file}: ${spec} reaches outside ${dir}`);
            continue;
          }
          const other = lockstepName(spec);
          if (other === undefined) continue;
          if (!deps.includes(other)) problems.push(`${file}: imports @lockstep/${other}`);
          const testOnly = other === 'sandbox' || spec.endsWith('/testing');
          if (testOnly && name !== 'bench' && !TEST_SUPPORT.test(file)) {
            problems.push(`${file}: production code imports ${spec}`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('generic and vault-native never import each other', () => {
    assert.ok(!ALLOWED.generic?.deps.includes('vault-native'));
    assert.ok(!ALLOWED['vault-native']?.deps.includes('generic'));
  });

  it('the import scan sees multi-line imports and re-exports', () => {
    assert.ok(importSpecifiers('packages/core/src/index.ts').length > 20);
    assert.ok(importSpecifiers('packages/controller/src/models.ts').includes('@lockstep/generic'));
  });
});
