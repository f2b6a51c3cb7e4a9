import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One end-to-end suite at a time per cluster: each runs a cluster-wide controller, and two
 * on one cluster would reconcile each other's objects. A directory lock (atomic mkdir) in the
 * temp dir, keyed by the API server's URL; a lock whose holder process died is taken over.
 * With several clusters, a suite takes whichever is free first. Answers the index of the
 * cluster taken and the function that frees it.
 */
export async function lockAnyCluster(
  urls: string[],
  holder: string,
): Promise<{ index: number; release: () => Promise<void> }> {
  for (;;) {
    for (const [index, url] of urls.entries()) {
      const release = await tryLock(url, holder);
      if (release) return { index, release };
    }
    await sleep(200);
  }
}

async function tryLock(url: string, holder: string): Promise<(() => Promise<void>) | undefined> {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `lockstep-e2e-${key}.lock`);
  try {
    await mkdir(dir);
    await writeFile(join(dir, 'holder'), `${process.pid} ${holder}\n`);
    return () => rm(dir, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (await holderDied(dir)) await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

async function holderDied(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, 'holder'), 'utf8').catch(() => undefined);
  if (text === undefined) return false; // being written right now
  const pid = Number(text.split(' ')[0]);
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
