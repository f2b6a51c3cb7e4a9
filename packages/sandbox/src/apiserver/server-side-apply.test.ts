import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ApplyResult,
  fieldsV1FromSet,
  type ManagedFieldsEntry,
  recordUpdateManager,
  serverSideApply,
  setFromFieldsV1,
} from './server-side-apply.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests navigate results freely
type Any = Record<string, any>;

const T0 = '2026-11-28T10:00:00Z';
const T1 = '2026-11-28T10:05:00Z';

function apply(live: object | undefined, applied: object, fieldManager: string, force = false): ApplyResult {
  return serverSideApply(live, applied, { fieldManager, force, kind: 'Deployment', now: T1 });
}

function applied(result: ApplyResult): Any {
  assert.ok('object' in result, `expected an object, got conflicts ${JSON.stringify(result)}`);
  return result.object as Any;
}

function managers(obj: Any): Record<string, ManagedFieldsEntry> {
  return Object.fromEntries(
    (obj.metadata.managedFields as ManagedFieldsEntry[]).map((e) => [`${e.manager}/${e.operation}`, e]),
  );
}

function fieldsOf(owners: Record<string, ManagedFieldsEntry>, key: string): Any {
  const entry = owners[key];
  assert.ok(entry, `no managedFields entry for ${key}`);
  return entry.fieldsV1 as Any;
}

function deployment(replicas: number, image = 'app:1'): Any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas,
      template: { spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('server-side apply', () => {
  it('creates the object and records the applier in kube FieldsV1 encoding', () => {
    const obj = applied(apply(undefined, deployment(2), 'lockstep'));
    assert.equal(obj.spec.replicas, 2);
    assert.equal(obj.metadata.name, 'web');
    assert.deepEqual(obj.metadata.managedFields, [
      {
        manager: 'lockstep',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('removes fields the same manager applied before and no longer applies', () => {
    const first = applied(apply(undefined, deployment(2), 'lockstep'));
    const config = deployment(2);
    delete config.metadata.labels;
    const second = applied(apply(first, config, 'lockstep'));
    assert.equal(second.metadata.labels, undefined);
    assert.equal(second.spec.replicas, 2);
  });

  it('merges containers by name and keeps the containers of other managers', () => {
    const first = applied(apply(undefined, deployment(1), 'a'));
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'side:1' }] } } },
    };
    const both = applied(apply(first, sidecar, 'b'));
    assert.deepEqual(
      both.spec.template.spec.containers.map((c: Any) => c.name),
      ['app', 'sidecar'],
    );
    // b stops applying its container: only b's container goes.
    const withoutSidecar = structuredClone(sidecar) as Any;
    withoutSidecar.spec.template.spec.containers = [];
    const after = applied(apply(both, withoutSidecar, 'b'));
    assert.deepEqual(
      after.spec.template.spec.containers.map((c: Any) => c.name),
      ['app'],
    );
  });

  it('reports a conflict when another manager owns a field whose value would change', () => {
    const first = applied(apply(undefined, deployment(2), 'lockstep'));
    const result = apply(first, deployment(5), 'kubectl');
    assert.deepEqual(result, {
      conflicts: [
        { reason: 'FieldManagerConflict', message: 'conflict with "lockstep" using apps/v1', field: '.spec.replicas' },
      ],
    });
  });

  it('names list items by key in conflicts', () => {
    const first = applied(apply(undefined, deployment(2, 'app:1'), 'lockstep'));
    const result = apply(first, deployment(2, 'app:2'), 'kubectl');
    assert.ok('conflicts' in result);
    assert.deepEqual(
      result.conflicts.map((c) => c.field),
      ['.spec.template.spec.containers[name="app"].image'],
    );
  });

  it('moves ownership with force', () => {
    const first = applied(apply(undefined, deployment(2), 'lockstep'));
    const forced = applied(apply(first, deployment(5), 'kubectl', true));
    assert.equal(forced.spec.replicas, 5);
    const owners = managers(forced);
    assert.equal('f:replicas' in fieldsOf(owners, 'kubectl/Apply')['f:spec'], true);
    assert.equal('f:replicas' in fieldsOf(owners, 'lockstep/Apply')['f:spec'], false);
    // lockstep no longer owns replicas: dropping it from its config does not remove kubectl's value.
    const config = deployment(5);
    delete config.spec.replicas;
    const again = applied(apply(forced, config, 'lockstep'));
    assert.equal(again.spec.replicas, 5);
  });

  it('shares ownership when two managers apply the same value, and keeps the field while one still owns it', () => {
    const first = applied(apply(undefined, deployment(2), 'a'));
    const shared = applied(apply(first, deployment(2), 'b'));
    const owners = managers(shared);
    assert.ok(fieldsOf(owners, 'a/Apply')['f:spec']['f:replicas']);
    assert.ok(fieldsOf(owners, 'b/Apply')['f:spec']['f:replicas']);
    const config = deployment(2);
    delete config.spec.replicas;
    const after = applied(apply(shared, config, 'a'));
    assert.equal(after.spec.replicas, 2);
  });

  it('keeps a map another manager still holds entries of when one manager stops applying it', () => {
    const first = applied(apply(undefined, deployment(1), 'a'));
    const team = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { team: 'x' } } };
    const both = applied(apply(first, team, 'b'));
    const config = deployment(1);
    delete config.metadata.labels;
    const after = applied(apply(both, config, 'a'));
    assert.deepEqual(after.metadata.labels, { team: 'x' });
  });

  it('conflicts with a non-apply writer recorded by recordUpdateManager', () => {
    const created = recordUpdateManager(undefined, deployment(1), 'kubectl-create', 'Update', T0) as Any;
    assert.equal(managers(created)['kubectl-create/Update']?.time, T0);
    const result = apply(created, deployment(3), 'lockstep');
    assert.ok('conflicts' in result);
    assert.equal(result.conflicts[0]?.message, 'conflict with "kubectl-create" using apps/v1');
    // Same value: no conflict, shared ownership.
    assert.ok('object' in apply(created, deployment(1), 'lockstep'));
  });

  it('lets an update take the fields it changes away from the applier', () => {
    const first = applied(apply(undefined, deployment(2), 'lockstep'));
    const edited = structuredClone(first);
    edited.spec.replicas = 4;
    const updated = recordUpdateManager(first, edited, 'kubectl-edit', 'Update', T1) as Any;
    const owners = managers(updated);
    assert.deepEqual(owners['kubectl-edit/Update']?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal('f:replicas' in fieldsOf(owners, 'lockstep/Apply')['f:spec'], false);
    const back = apply(updated, deployment(2), 'lockstep');
    assert.ok('conflicts' in back, 'the applier must force to take replicas back');
  });

  it('drops the fields an update removes from every manager', () => {
    const first = applied(apply(undefined, deployment(2), 'lockstep'));
    const edited = structuredClone(first);
    delete edited.metadata.labels;
    const updated = recordUpdateManager(first, edited, 'kubectl-edit', 'Update', T1) as Any;
    assert.equal('f:metadata' in fieldsOf(managers(updated), 'lockstep/Apply'), false);
    assert.equal(managers(updated)['kubectl-edit/Update'], undefined, 'removing fields owns nothing');
  });

  it('does not record an update that changes nothing', () => {
    const created = recordUpdateManager(undefined, deployment(1), 'creator', 'Update', T0) as Any;
    const same = recordUpdateManager(created, structuredClone(created), 'other', 'Update', T1) as Any;
    assert.deepEqual(Object.keys(managers(same)), ['creator/Update']);
  });

  it('treats lists without a merge key as atomic and finalizers as a set', () => {
    const config = deployment(1);
    config.metadata.finalizers = ['a/f'];
    config.spec.template.spec.tolerations = [{ key: 'x' }];
    const first = applied(apply(undefined, config, 'a'));
    const other = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', finalizers: ['b/f'] },
    };
    const both = applied(apply(first, other, 'b'));
    assert.deepEqual(both.metadata.finalizers, ['a/f', 'b/f']);
    assert.deepEqual(fieldsOf(managers(both), 'b/Apply')['f:metadata'], { 'f:finalizers': { 'v:"b/f"': {} } });
    const fieldsA = fieldsOf(managers(both), 'a/Apply');
    assert.deepEqual(fieldsA['f:spec']['f:template']['f:spec']['f:tolerations'], {});
  });

  it('keeps system metadata from the live object and ignores applied managedFields', () => {
    const live = applied(apply(undefined, deployment(1), 'a'));
    live.metadata.uid = 'uid-1';
    live.metadata.resourceVersion = '7';
    const config = deployment(1);
    config.metadata.uid = 'forged';
    config.metadata.managedFields = [{ manager: 'evil', operation: 'Apply' }];
    const out = applied(apply(live, config, 'a'));
    assert.equal(out.metadata.uid, 'uid-1');
    assert.equal(out.metadata.resourceVersion, '7');
    assert.deepEqual(Object.keys(managers(out)), ['a/Apply']);
  });

  it('round-trips FieldsV1', () => {
    const fields = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"x"}': { '.': {}, 'f:image': {} } } },
    };
    assert.deepEqual(fieldsV1FromSet(setFromFieldsV1(fields)), fields);
  });
});
