// There is no Docker engine here: these tests read the Dockerfile's instructions and
// replay its dependency stage (COPY and `pnpm install`) in a temporary folder, then start
// the controller from the result as the image's ENTRYPOINT would.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, run } from './helm-chart.ts';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile instructions grouped by stage, line continuations joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const joined = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      stages.push({ from: image as string, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op, args });
  }
  return stages;
}

const dockerfile = async () => parseDockerfile(await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const makeVar = async (name: string) =>
  new RegExp(`^${name} := (\\S+)$`, 'm').exec(await readFile(join(REPO_ROOT, 'Makefile'), 'utf8'))?.[1];

/** The .dockerignore patterns this repo uses: plain paths, `**\/name` and `**\/*.ext`. */
async function dockerIgnored(): Promise<(path: string) => boolean> {
  const patterns = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return (path) =>
    patterns.some((p) => {
      if (p.startsWith('**/*.')) return path.endsWith(p.slice(4));
      if (p.startsWith('**/')) return path.split('/').includes(p.slice(3));
      if (p.startsWith('*.')) return !path.includes('/') && path.endsWith(p.slice(1));
      return path === p || path.startsWith(`${p}/`);
    });
}

describe('the Dockerfile', () => {
  it('builds in stages from Node 24, the same Node and pnpm the Makefile installs', async () => {
    const stages = await dockerfile();
    assert.ok(stages.length >= 2, 'multi-stage');
    const node = await makeVar('NODE_VERSION');
    for (const s of stages) assert.equal(s.from, `node:${node}-bookworm-slim`, 'pinned Node 24 image');
    assert.match(node ?? '', /^24\./);
    const pnpm = await makeVar('PNPM_VERSION');
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    assert.ok(
      runs.some((r) => r.includes(`pnpm@${pnpm}`)),
      `pnpm ${pnpm} as in the Makefile`,
    );
  });

  it('installs only production dependencies from the lockfile, and the runtime stage copies only those', async () => {
    const stages = await dockerfile();
    const installs = stages.flatMap((s) => s.instructions.filter((i) => /pnpm install/.test(i.args)));
    assert.ok(installs.length > 0);
    for (const i of installs) {
      assert.match(i.args, /--prod\b/);
      assert.match(i.args, /--frozen-lockfile\b/);
    }
    const runtime = stages.at(-1) as Stage;
    const copies = runtime.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD');
    const installingStages = new Set(
      stages.filter((s) => s.instructions.some((i) => /pnpm install/.test(i.args))).map((s) => s.name),
    );
    for (const c of copies) {
      const from = /--from=(\S+)/.exec(c.args)?.[1];
      assert.ok(from && installingStages.has(from), `runtime copies only from the --prod install stage: ${c.args}`);
    }
    assert.equal(
      runtime.instructions.some((i) => /pnpm|npm install/.test(i.args)),
      false,
      'nothing is installed in the runtime stage',
    );
    const ignored = await dockerIgnored();
    for (const p of ['packages/sandbox', 'node_modules', '.tools', 'packages/core/src/x.test.ts'])
      assert.ok(ignored(p), `.dockerignore leaves out ${p}`);
  });

  it('runs the controller as a non-root numeric user', async () => {
    const runtime = (await dockerfile()).at(-1) as Stage;
    const ops = runtime.instructions.map((i) => i.op);
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1);
    assert.equal(user?.args, '65532:65532', 'numeric, so runAsNonRoot can verify it');
    assert.ok(ops.lastIndexOf('USER') > ops.lastIndexOf('RUN'), 'nothing runs as root after USER');
    const entrypoint = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    assert.deepEqual(JSON.parse(entrypoint?.args ?? 'null'), ['node', 'packages/controller/src/main.ts']);
    assert.ok(existsSync(join(REPO_ROOT, 'packages/controller/src/main.ts')));
  });
});

describe('the Dockerfile dependency stage, replayed', () => {
  let workdir: string;
  before(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'lockstep-image-'));
  });
  after(() => rm(workdir, { recursive: true, force: true }));

  it('yields a controller that starts without devDependencies or the sandbox', async () => {
    const ignored = await dockerIgnored();
    const deps = (await dockerfile()).find((s) => s.instructions.some((i) => /pnpm install/.test(i.args))) as Stage;
    for (const i of deps.instructions) {
      if (i.op === 'COPY') {
        const parts = i.args.split(/\s+/);
        const dest = parts.pop() as string;
        for (const src of parts) {
          const target = dest.endsWith('/')
            ? join(workdir, dest, src.split('/').at(-1) as string)
            : join(workdir, dest);
          await mkdir(dirname(target), { recursive: true });
          await cp(join(REPO_ROOT, src), target, {
            recursive: true,
            filter: (from) => from === join(REPO_ROOT, src) || !ignored(relative(REPO_ROOT, from)),
          });
        }
      } else if (i.op === 'RUN' && i.args.startsWith('pnpm install')) {
        // The repo's own pnpm (same version, checked above) with its store: no download needed.
        const args = i.args
          .slice('pnpm '.length)
          .split(/\s+/)
          .map((a) => a.replace(/^"(.*)"$/, '$1'));
        const result = await run('sh', ['-c', `cd "${workdir}" && CI=true pnpm ${args.join(' ')}`]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
      }
    }
    const store = await readdir(join(workdir, 'node_modules/.pnpm'));
    for (const dev of ['typescript@', '@biomejs+biome@', 'pg@', '@peculiar+x509@'])
      assert.equal(
        store.some((p) => p.startsWith(dev)),
        false,
        `${dev} is a dev or sandbox dependency`,
      );
    assert.equal(existsSync(join(workdir, 'packages/sandbox')), false);
    assert.equal(
      existsSync(join(workdir, 'packages/controller/src/manifests/crd-structure.test.ts')),
      false,
      'no tests in the image',
    );

    const started = await run(process.execPath, [join(workdir, 'packages/controller/src/main.ts'), '--help']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /--leader-elect/);
  });
});
