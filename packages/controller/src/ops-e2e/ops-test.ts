// One production-operations scenario per suite: the shared control plane held alone, its own
// OpenBao mounts and controller processes (see ops-harness.ts), torn down after the test
// whatever happened. The controller runs under the chart's RBAC: a scenario passes only when
// the API server refused none of its requests (403) while the scenario ran.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Ops, type OpsOptions, startOps } from './ops-harness.ts';
import { permissionKey, requestResource } from './rbac-rules.ts';

export interface OpsSuite extends OpsOptions {
  /** The describe() title. */
  suite: string;
  /** Short name used in the names the scenario creates in the shared peers. */
  file: string;
  /** The scenario expects refusals (it runs with rules removed) and checks them itself. */
  expectForbidden?: boolean;
}

/** A suite with one test, `title`, running `body` against an Ops started before it and stopped after it. */
export function opsTest(where: OpsSuite, title: string, body: (ops: Ops) => Promise<void>): void {
  describe(where.suite, () => {
    let ops: Ops | undefined;
    before(async () => {
      ops = await startOps(where.file, where);
    });
    after(async () => {
      await ops?.stop();
    });
    test(title, async (t) => {
      const o = ops as Ops;
      try {
        await body(o);
      } catch (err) {
        // A refusal is the likeliest cause of a scenario failing under the chart's RBAC.
        for (const line of forbiddenLines(o)) t.diagnostic(`403 for the controller: ${line}`);
        throw err;
      }
      if (!where.expectForbidden)
        assert.deepEqual(forbiddenLines(o), [], "requests of the controller the API server refused (the chart's RBAC)");
    });
  });
}

/** `group/resource:verb namespace/name` of each refused request, once each. */
export function forbiddenLines(ops: Ops): string[] {
  const lines = ops
    .forbiddenRequests()
    .map((r) => `${permissionKey(r.group, requestResource(r), r.verb)} ${r.namespace ?? '(cluster)'}/${r.name ?? ''}`);
  return [...new Set(lines)].sort();
}
