import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DurationError } from '../duration/go-duration.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import { UserRegexError } from '../regex/user-regex.ts';
import { TemplateError } from '../template/errors.ts';
import { BackendError } from './backend-error.ts';
import { describeFailure, shouldRetry } from './describe-failure.ts';
import { SpecProblem } from './spec-problem.ts';

const UNEXPECTED = /^unexpected error \((\w+)\); retrying with backoff, the controller log has the details$/;

describe('the failure policy: each class of failure, its reason, message and retry', () => {
  const cases: Array<[string, unknown, { reason: string; message: string | RegExp; retry: boolean }]> = [
    [
      'Vault unavailable',
      new BackendError('Unavailable', 'vault', 'Vault at https://vault:8200 is sealed (GET kv/data/db)'),
      { reason: 'VaultUnavailable', message: 'Vault at https://vault:8200 is sealed (GET kv/data/db)', retry: true },
    ],
    [
      'Vault throttling',
      new BackendError('Throttled', 'vault', 'Vault at https://vault:8200 is rate limiting requests'),
      { reason: 'VaultThrottled', message: 'Vault at https://vault:8200 is rate limiting requests', retry: true },
    ],
    [
      'API server unreachable',
      new BackendError(
        'Unavailable',
        'kubernetes',
        'cannot read Secret "db": the Kubernetes API server is unreachable',
      ),
      {
        reason: 'KubernetesUnavailable',
        message: 'cannot read Secret "db": the Kubernetes API server is unreachable',
        retry: true,
      },
    ],
    [
      'API server throttling',
      new BackendError('Throttled', 'kubernetes', 'throttled'),
      { reason: 'KubernetesThrottled', message: 'throttled', retry: true },
    ],
    [
      'AWS throttling',
      new BackendError('Throttled', 'aws', 'AWS is throttling requests for secret "db"'),
      { reason: 'AWSThrottled', message: 'AWS is throttling requests for secret "db"', retry: true },
    ],
    [
      'a conflict',
      new BackendError('Conflict', 'kubernetes', 'cannot update Secret "db": it was changed concurrently'),
      { reason: 'Conflict', message: 'cannot update Secret "db": it was changed concurrently', retry: true },
    ],
    [
      'invalid input',
      new BackendError('InvalidInput', 'vault', 'Vault rejected PUT db/roles/app (HTTP 400)'),
      { reason: 'InvalidSpec', message: 'Vault rejected PUT db/roles/app (HTTP 400)', retry: false },
    ],
    [
      'forbidden',
      new BackendError('Forbidden', 'vault', 'Vault denied GET kv/data/db'),
      { reason: 'Forbidden', message: 'Vault denied GET kv/data/db', retry: false },
    ],
    [
      'not found',
      new BackendError('NotFound', 'aws', 'secret "db" not found'),
      { reason: 'NotFound', message: 'secret "db" not found', retry: false },
    ],
    [
      'a spec problem',
      new SpecProblem('VaultAuthNotFound', 'VaultAuth "apps/nope" not found: create it or set spec.vaultAuthRef'),
      {
        reason: 'VaultAuthNotFound',
        message: 'VaultAuth "apps/nope" not found: create it or set spec.vaultAuthRef',
        retry: false,
      },
    ],
    [
      'a template error',
      new TemplateError('parse', 'template "dsn": unclosed action'),
      { reason: 'InvalidSpec', message: 'template "dsn": unclosed action', retry: false },
    ],
    [
      'a bad duration',
      new DurationError('spec.refreshInterval: "1 hour" is not a duration'),
      { reason: 'InvalidSpec', message: 'spec.refreshInterval: "1 hour" is not a duration', retry: false },
    ],
    [
      'a bad regular expression',
      new UserRegexError('syntax', 'find.name.regexp "([a-z": invalid regular expression'),
      { reason: 'InvalidSpec', message: 'find.name.regexp "([a-z": invalid regular expression', retry: false },
    ],
    [
      'a reconcile past its budget',
      new ReconcileTimeoutError(30_000),
      { reason: 'ReconcileTimeout', message: /did not finish within 30s/, retry: true },
    ],
    [
      'a library error',
      new Error('socket hang up near hunter2'),
      { reason: 'InternalError', message: UNEXPECTED, retry: true },
    ],
    [
      'a bug',
      new TypeError("Cannot create property 'x' on string 'hunter2'"),
      { reason: 'InternalError', message: UNEXPECTED, retry: true },
    ],
    ['a thrown string', 'hunter2', { reason: 'InternalError', message: UNEXPECTED, retry: true }],
  ];
  for (const [name, err, expected] of cases) {
    test(`${name}: ${expected.reason}, ${expected.retry ? 'retried with backoff' : 'not retried'}`, () => {
      const got = describeFailure(err);
      assert.equal(got.reason, expected.reason);
      if (typeof expected.message === 'string') assert.equal(got.message, expected.message);
      else assert.match(got.message, expected.message);
      assert.equal(got.retry, expected.retry);
      assert.equal(shouldRetry(err), expected.retry, 'the work queue follows the same rule');
    });
  }

  test("an unexpected error's own text never reaches the message, only its type", () => {
    assert.equal(describeFailure(new Error('socket hang up near hunter2')).message.match(UNEXPECTED)?.[1], 'Error');
    assert.equal(describeFailure(new TypeError('x')).message.match(UNEXPECTED)?.[1], 'TypeError');
    assert.equal(describeFailure('hunter2').message.match(UNEXPECTED)?.[1], 'string');
    assert.doesNotMatch(describeFailure(new Error('hunter2')).message, /hunter2/);
  });
});
