// One production-operations scenario per file: its own API server, OpenBao mounts and
// controller processes (see ops-harness.ts), torn down after the test whatever happened.

import { after, before, describe, test } from 'node:test';
import { type Ops, startOps } from './ops-harness.ts';

export interface OpsSuite {
  /** The describe() title. */
  suite: string;
  /** Short name used in the names the scenario creates in the shared peers. */
  file: string;
}

/** A suite with one test, `title`, running `body` against an Ops started before it and stopped after it. */
export function opsTest(where: OpsSuite, title: string, body: (ops: Ops) => Promise<void>): void {
  describe(where.suite, () => {
    let ops: Ops | undefined;
    before(async () => {
      ops = await startOps(where.file);
    });
    after(async () => {
      await ops?.stop();
    });
    test(title, () => body(ops as Ops));
  });
}
