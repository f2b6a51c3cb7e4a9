import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listStrategy, strategicMergePatch } from './strategic-merge.ts';

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      labels: { app: 'web', tier: 'front' },
      annotations: { note: 'a' },
      finalizers: ['a.example/f'],
      ownerReferences: [{ uid: 'u1', name: 'owner', kind: 'Thing', apiVersion: 'x/v1' }],
    },
    spec: {
      replicas: 2,
      template: {
        metadata: { annotations: { 'lockstep.dev/restartedAt': 'old' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, name: 'http' }],
              volumeMounts: [{ mountPath: '/etc/secret', name: 'secret' }],
            },
            { name: 'sidecar', image: 'sidecar:1' },
          ],
          volumes: [{ name: 'secret', secret: { secretName: 's1' } }],
          imagePullSecrets: [{ name: 'reg' }],
          tolerations: [{ key: 'a' }],
        },
      },
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests navigate results freely
type Any = Record<string, any>;

describe('strategic merge patch', () => {
  it('merges containers by name and keeps the ones not in the patch', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } },
      'Deployment',
    ) as Any;
    const containers = out.spec.template.spec.containers;
    assert.equal(containers.length, 2);
    assert.equal(containers[0].image, 'app:2');
    assert.equal(containers[0].env.length, 2, 'fields absent from the patch are kept');
    assert.equal(containers[1].name, 'sidecar');
  });

  it('merges env by name, ports by containerPort and volumeMounts by mountPath', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'app',
                  env: [
                    { name: 'B', value: 'two' },
                    { name: 'C', value: '3' },
                  ],
                  ports: [{ containerPort: 80, protocol: 'TCP' }],
                  volumeMounts: [{ mountPath: '/etc/secret', readOnly: true }],
                },
              ],
            },
          },
        },
      },
      'Deployment',
    ) as Any;
    const app = out.spec.template.spec.containers[0];
    assert.deepEqual(app.env, [
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    assert.deepEqual(app.ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
    assert.deepEqual(app.volumeMounts, [{ mountPath: '/etc/secret', name: 'secret', readOnly: true }]);
  });

  it('adds a volume and an image pull secret by name', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: { spec: { volumes: [{ name: 'extra', emptyDir: {} }], imagePullSecrets: [{ name: 'reg2' }] } },
        },
      },
      'StatefulSet',
    ) as Any;
    assert.deepEqual(
      out.spec.template.spec.volumes.map((v: Any) => v.name),
      ['secret', 'extra'],
    );
    assert.deepEqual(out.spec.template.spec.imagePullSecrets, [{ name: 'reg' }, { name: 'reg2' }]);
  });

  it('sets the restartedAt annotation like kubectl rollout restart and merges labels', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        metadata: { labels: { tier: null, version: 'v2' } },
        spec: { template: { metadata: { annotations: { 'lockstep.dev/restartedAt': 'now' } } } },
      },
      'Deployment',
    ) as Any;
    assert.deepEqual(out.metadata.labels, { app: 'web', version: 'v2' });
    assert.equal(out.spec.template.metadata.annotations['lockstep.dev/restartedAt'], 'now');
  });

  it('deletes a list element with $patch: delete', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      'Deployment',
    ) as Any;
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: Any) => c.name),
      ['app'],
    );
  });

  it('replaces a list with a $patch: replace element and a map with $patch: replace', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        metadata: { labels: { only: 'this', $patch: 'replace' } },
        spec: { template: { spec: { volumes: [{ name: 'new', emptyDir: {} }, { $patch: 'replace' }] } } },
      },
      'Deployment',
    ) as Any;
    assert.deepEqual(out.metadata.labels, { only: 'this' });
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'new', emptyDir: {} }]);
  });

  it('deletes a whole map with $patch: delete', () => {
    const out = strategicMergePatch(
      deployment(),
      { metadata: { annotations: { $patch: 'delete' } } },
      'Deployment',
    ) as Any;
    assert.equal('annotations' in out.metadata, false);
  });

  it('unions finalizers and removes them with $deleteFromPrimitiveList', () => {
    const added = strategicMergePatch(
      deployment(),
      { metadata: { finalizers: ['a.example/f', 'b.example/f'] } },
      'Deployment',
    ) as Any;
    assert.deepEqual(added.metadata.finalizers, ['a.example/f', 'b.example/f']);
    const removed = strategicMergePatch(
      added,
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/f'] } },
      'Deployment',
    ) as Any;
    assert.deepEqual(removed.metadata.finalizers, ['b.example/f']);
  });

  it('merges ownerReferences by uid', () => {
    const out = strategicMergePatch(
      deployment(),
      { metadata: { ownerReferences: [{ uid: 'u2', name: 'other', kind: 'Thing', apiVersion: 'x/v1' }] } },
      'Deployment',
    ) as Any;
    assert.deepEqual(
      out.metadata.ownerReferences.map((o: Any) => o.uid),
      ['u1', 'u2'],
    );
  });

  it('accepts $setElementOrder and does not copy directives into the result', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
              containers: [{ name: 'app', image: 'app:3' }],
            },
          },
        },
      },
      'Deployment',
    ) as Any;
    assert.equal(out.spec.template.spec.containers[0].image, 'app:3');
    assert.equal(JSON.stringify(out).includes('$setElementOrder'), false);
  });

  it('replaces lists without a merge key', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } },
      'Deployment',
    ) as Any;
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b' }]);
  });

  it('merges Secret data and deletes a key with null', () => {
    const out = strategicMergePatch(
      { kind: 'Secret', data: { a: 'YQ==', b: 'Yg==' }, type: 'Opaque' },
      { data: { a: null, c: 'Yw==' } },
      'Secret',
    );
    assert.deepEqual(out, { kind: 'Secret', data: { b: 'Yg==', c: 'Yw==' }, type: 'Opaque' });
  });

  it('uses JSON merge patch semantics for unknown kinds', () => {
    const original = { spec: { items: [{ name: 'a', x: 1 }], keep: true, drop: 1 } };
    const out = strategicMergePatch(original, { spec: { items: [{ name: 'a', y: 2 }], drop: null } }, 'VaultThing');
    assert.deepEqual(out, { spec: { items: [{ name: 'a', y: 2 }], keep: true } });
  });

  it('does not modify the original object', () => {
    const original = deployment();
    const before = structuredClone(original);
    strategicMergePatch(original, { metadata: { labels: { app: 'x' } }, spec: { replicas: 5 } }, 'Deployment');
    assert.deepEqual(original, before);
  });

  it('merges status conditions by type', () => {
    const out = strategicMergePatch(
      {
        status: {
          conditions: [
            { type: 'Available', status: 'False' },
            { type: 'Progressing', status: 'True' },
          ],
        },
      },
      { status: { conditions: [{ type: 'Available', status: 'True' }] } },
      'Deployment',
    ) as Any;
    assert.deepEqual(out.status.conditions, [
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'True' },
    ]);
  });

  it('knows the merge keys by field path', () => {
    assert.deepEqual(listStrategy(['spec', 'template', 'spec', 'containers']), { mergeKey: 'name' });
    assert.deepEqual(listStrategy(['spec', 'template', 'spec', 'containers', 'ports']), { mergeKey: 'containerPort' });
    assert.deepEqual(listStrategy(['spec', 'ports']), { mergeKey: 'port' });
    assert.deepEqual(listStrategy(['metadata', 'finalizers']), { set: true });
    assert.equal(listStrategy(['spec', 'template', 'spec', 'tolerations']), undefined);
  });
});
