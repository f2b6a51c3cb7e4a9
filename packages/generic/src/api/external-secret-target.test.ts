import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstViolation } from '@lockstep/core';
import { CreationPolicies, DeletionPolicies, TARGET_POLICY_RULES } from './external-secret-target.ts';

// ESO's admission webhook (apis/externalsecrets/v1 validatePolicies) rejects exactly these.
const ESO_REJECTS = new Set(['Merge/Delete', 'None/Delete', 'None/Merge']);

test('the reconciler refuses exactly the creation/deletion policy combinations ESO rejects', () => {
  for (const creationPolicy of CreationPolicies) {
    for (const deletionPolicy of DeletionPolicies) {
      const problem = firstViolation(TARGET_POLICY_RULES, { creationPolicy, deletionPolicy });
      const combo = `${creationPolicy}/${deletionPolicy}`;
      assert.equal(problem !== undefined, ESO_REJECTS.has(combo), combo);
    }
  }
});

test('unset policies are the defaults (Owner, Retain) and break no rule', () => {
  assert.equal(firstViolation(TARGET_POLICY_RULES, {}), undefined);
  assert.equal(firstViolation(TARGET_POLICY_RULES, { deletionPolicy: 'Delete' }), undefined);
  assert.equal(firstViolation(TARGET_POLICY_RULES, { creationPolicy: 'None' }), undefined);
});

test('the message says what to fix', () => {
  assert.match(
    firstViolation(TARGET_POLICY_RULES, { creationPolicy: 'Merge', deletionPolicy: 'Delete' }) ?? '',
    /set creationPolicy Owner \(or Orphan\), or deletionPolicy Retain or Merge/,
  );
  assert.match(
    firstViolation(TARGET_POLICY_RULES, { creationPolicy: 'None', deletionPolicy: 'Merge' }) ?? '',
    /set creationPolicy Merge or Owner, or deletionPolicy Retain/,
  );
});
