import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  labelSelectorFromObject,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.ts';

const web = { app: 'web', tier: 'front', 'lockstep.dev/managed': 'true', version: '3' };

function selects(selector: string, labels: Record<string, string> | undefined = web): boolean {
  return matchesLabels(parseLabelSelector(selector), labels);
}

describe('label selectors', () => {
  it('selects everything with an empty selector', () => {
    assert.equal(selects(''), true);
    assert.equal(selects('', undefined), true);
  });

  it('supports =, == and !=', () => {
    assert.equal(selects('app=web'), true);
    assert.equal(selects('app==web'), true);
    assert.equal(selects('app=db'), false);
    assert.equal(selects('app!=db'), true);
    assert.equal(selects('app!=web'), false);
    assert.equal(selects('missing!=x'), true, '!= matches objects without the label');
  });

  it('requires every comma-separated requirement', () => {
    assert.equal(selects('app=web,tier=front'), true);
    assert.equal(selects('app=web, tier = back'), false);
  });

  it('supports in and notin sets', () => {
    assert.equal(selects('tier in (front, back)'), true);
    assert.equal(selects('tier in (back)'), false);
    assert.equal(selects('tier notin (back,db)'), true);
    assert.equal(selects('missing notin (x)'), true);
    assert.equal(selects('app in (web),tier notin (front)'), false);
  });

  it('supports existence and non-existence', () => {
    assert.equal(selects('lockstep.dev/managed'), true);
    assert.equal(selects('!lockstep.dev/managed'), false);
    assert.equal(selects('!other'), true);
    assert.equal(selects('other'), false);
  });

  it('supports numeric comparison', () => {
    assert.equal(selects('version>2'), true);
    assert.equal(selects('version<2'), false);
  });

  it('accepts an empty value', () => {
    assert.equal(selects('empty=', { empty: '' }), true);
    assert.equal(selects('empty=', {}), false);
  });

  it('parses to kube requirements', () => {
    assert.deepEqual(parseLabelSelector('a=b,c notin (d,e),!f'), {
      requirements: [
        { key: 'a', operator: 'In', values: ['b'] },
        { key: 'c', operator: 'NotIn', values: ['d', 'e'] },
        { key: 'f', operator: 'DoesNotExist', values: [] },
      ],
    });
  });

  it('rejects bad syntax with SelectorError', () => {
    for (const bad of [
      'a=b=c',
      'a in b',
      'a in ()',
      'a in (b',
      '=b',
      'a=b,',
      ',',
      'a b',
      'bad key=x',
      'a=-x-',
      'x<y',
    ]) {
      assert.throws(() => parseLabelSelector(bad), SelectorError, bad);
    }
  });
});

describe('metav1.LabelSelector', () => {
  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    assert.equal(matchesLabels(sel, web), true);
    assert.equal(matchesLabels(sel, { ...web, legacy: 'y' }), false);
    assert.equal(matchesLabels(sel, { app: 'web' }), false);
  });

  it('selects everything with {} and nothing with null', () => {
    assert.equal(matchesLabels(labelSelectorFromObject({}), web), true);
    assert.equal(matchesLabels(labelSelectorFromObject(null), web), false);
    assert.equal(matchesLabels(labelSelectorFromObject(undefined), {}), false);
  });

  it('rejects invalid expressions', () => {
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] }), SelectorError);
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
      SelectorError,
    );
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Like' }] }), SelectorError);
  });
});

describe('field selectors', () => {
  const secret = {
    type: 'kubernetes.io/tls',
    metadata: { name: 'tls-a', namespace: 'apps' },
  };
  const event = { involvedObject: { name: 'sync-1', kind: 'VaultSecret' }, metadata: { name: 'e1' } };
  const pod = { spec: { nodeName: 'node-1' }, status: { phase: 'Running' }, metadata: { name: 'p' } };

  it('matches =, == and != over dotted paths', () => {
    assert.equal(matchesFields(parseFieldSelector('metadata.name=tls-a'), secret), true);
    assert.equal(matchesFields(parseFieldSelector('metadata.namespace==apps,type=kubernetes.io/tls'), secret), true);
    assert.equal(matchesFields(parseFieldSelector('type!=Opaque'), secret), true);
    assert.equal(matchesFields(parseFieldSelector('metadata.name!=tls-a'), secret), false);
    assert.equal(matchesFields(parseFieldSelector('involvedObject.name=sync-1'), event), true);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName=node-1,status.phase=Running'), pod), true);
    assert.equal(matchesFields(parseFieldSelector('status.phase=Pending'), pod), false);
  });

  it('treats a missing field as the empty string', () => {
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), { spec: {} }), true);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName!='), pod), true);
  });

  it('selects everything when empty', () => {
    assert.deepEqual(parseFieldSelector(''), { requirements: [] });
    assert.equal(matchesFields(parseFieldSelector(''), secret), true);
  });

  it('unescapes values', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b'), {
      requirements: [{ path: 'metadata.name', operator: '=', value: 'a,b' }],
    });
  });

  it('rejects bad syntax with SelectorError', () => {
    for (const bad of ['metadata.name', 'metadata.name in (a)', '=x', 'a=b=c', 'a=b\\x']) {
      assert.throws(() => parseFieldSelector(bad), SelectorError, bad);
    }
  });
});
