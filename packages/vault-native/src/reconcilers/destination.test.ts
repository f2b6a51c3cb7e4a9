import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Destination } from '@lockstep/core';
import { firstViolation, SpecProblem } from '@lockstep/core';
import { PKI_CLEAR_RULES } from '../api/vault-pki-secret.ts';
import { checkDestinationSpec } from './destination.ts';

const dest = (over: Partial<Destination>): Destination => ({ name: 'app', create: false, overwrite: false, ...over });

function problem(d: Destination): string | undefined {
  try {
    checkDestinationSpec(d);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SpecProblem);
    assert.equal(err.reason, 'InvalidSpec');
    return err.message;
  }
}

test('create: true may set overwrite, labels, annotations and type', () => {
  assert.equal(
    problem(dest({ create: true, overwrite: true, labels: { a: 'b' }, annotations: { c: 'd' }, type: 'Opaque' })),
    undefined,
  );
});

test('create: false with a transformation is fine: it only decides which keys are rendered', () => {
  assert.equal(
    problem(dest({ transformation: { excludeRaw: true, templates: { k: { text: '{{ .x }}' } } } })),
    undefined,
  );
});

test('create: false refuses overwrite: there is nothing to take over', () => {
  assert.match(problem(dest({ overwrite: true })) ?? '', /drop overwrite, or set create: true/);
});

test("create: false refuses labels, annotations and type: the Secret is somebody else's", () => {
  for (const over of [{ labels: {} }, { annotations: { a: 'b' } }, { type: 'kubernetes.io/tls' }]) {
    assert.match(problem(dest(over)) ?? '', /labels, annotations and type apply only to a Secret Lockstep creates/);
  }
});

test('VaultPKISecret clear needs destination.create', () => {
  assert.match(
    firstViolation(PKI_CLEAR_RULES, { clear: true, destination: { create: false } }) ?? '',
    /set destination\.create: true, or drop clear/,
  );
  assert.equal(firstViolation(PKI_CLEAR_RULES, { clear: true, destination: { create: true } }), undefined);
  assert.equal(firstViolation(PKI_CLEAR_RULES, { clear: false, destination: { create: false } }), undefined);
});
