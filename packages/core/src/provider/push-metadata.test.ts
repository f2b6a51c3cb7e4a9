import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpecProblem } from '../errors/spec-problem.ts';
import { parsePushMetadata } from './push-metadata.ts';

const FIELDS = { tags: 'stringMap', description: 'string', format: ['string', 'binary'] } as const;
const envelope = (spec: unknown, apiVersion = 'kubernetes.external-secrets.io/v1alpha1') => ({
  apiVersion,
  kind: 'PushSecretMetadata',
  spec,
});

function refused(message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof SpecProblem);
    assert.equal(err.reason, 'InvalidSpec');
    assert.match(err.message, message);
    return true;
  };
}

describe('PushSecret data[].metadata', () => {
  test("reads ESO's envelope (and the lockstep.dev spelling); none is undefined", () => {
    assert.equal(parsePushMetadata(undefined, 'x', FIELDS), undefined);
    assert.deepEqual(parsePushMetadata(envelope({ tags: { a: 'b' }, format: 'string' }), 'x', FIELDS), {
      tags: { a: 'b' },
      format: 'string',
    });
    assert.deepEqual(
      parsePushMetadata(envelope({ description: 'd' }, 'kubernetes.lockstep.dev/v1alpha1'), 'x', FIELDS),
      {
        description: 'd',
      },
    );
  });

  test('unknown keys, another envelope and wrong types are refused, naming the field and what the provider takes', () => {
    assert.throws(
      () => parsePushMetadata(envelope({ tags: {}, labels: {} }), 'aws', FIELDS),
      refused(
        /^spec.data\[\].metadata.spec has unknown key\(s\) "labels": the aws provider takes "tags", "description", "format"$/,
      ),
    );
    assert.throws(() => parsePushMetadata({ tags: {} }, 'aws', FIELDS), refused(/unknown field\(s\) "tags"/));
    assert.throws(() => parsePushMetadata(envelope({}, 'v1'), 'aws', FIELDS), refused(/apiVersion "v1" must be/));
    assert.throws(
      () => parsePushMetadata({ ...envelope({}), kind: 'Other' }, 'aws', FIELDS),
      refused(/kind "Other" must be PushSecretMetadata/),
    );
    assert.throws(
      () => parsePushMetadata(envelope({ tags: { a: 1 } }), 'aws', FIELDS),
      refused(/tags must be a map of strings/),
    );
    assert.throws(
      () => parsePushMetadata(envelope({ description: 3 }), 'aws', FIELDS),
      refused(/description must be a string/),
    );
    assert.throws(
      () => parsePushMetadata(envelope({ format: 'hex' }), 'aws', FIELDS),
      refused(/format must be one of string, binary, not "hex"/),
    );
    assert.throws(() => parsePushMetadata('tags', 'aws', FIELDS), refused(/must be a PushSecretMetadata/));
  });
});
