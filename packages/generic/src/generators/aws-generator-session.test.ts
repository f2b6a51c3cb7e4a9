import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateAwsGeneratorSpec } from './aws-generator-session.ts';
import { validateEcrSpec } from './ecr-authorization-token.ts';

const keys = {
  secretRef: {
    accessKeyIDSecretRef: { name: 'aws', key: 'id' },
    secretAccessKeySecretRef: { name: 'aws', key: 'secret' },
  },
};

test('an AWS generator without auth is refused: it never runs as the controller', () => {
  assert.match(validateAwsGeneratorSpec({ region: 'us-east-1' }, { jwt: true }).join(), /spec.auth is required/);
  assert.deepEqual(validateAwsGeneratorSpec({ region: 'us-east-1', auth: keys }, { jwt: true }), []);
});

test('STS session tokens refuse jwt auth, as ESO; ECR needs a role with it', () => {
  const jwt = { jwt: { serviceAccountRef: { name: 'app' } } };
  assert.match(
    validateAwsGeneratorSpec({ region: 'us-east-1', auth: jwt }, { jwt: false }).join(),
    /cannot be used for STS/,
  );
  assert.match(validateEcrSpec({ region: 'us-east-1', auth: jwt }).join(), /spec.role is required with auth.jwt/);
});

test('a role must be an IAM role ARN, and ECR Public is refused until served', () => {
  assert.match(validateEcrSpec({ region: 'us-east-1', auth: keys, role: 'admin' }).join(), /IAM role ARN/);
  assert.match(validateEcrSpec({ region: 'us-east-1', auth: keys, scope: 'public' }).join(), /not served yet/);
  assert.match(
    validateEcrSpec({ region: 'us-east-1', auth: keys, scope: 'Private' }).join(),
    /must be private or public/,
  );
});
