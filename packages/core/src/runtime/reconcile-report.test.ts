import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../api/conditions.ts';
import { BackendError } from '../errors/backend-error.ts';
import type { ResourceInformer } from '../informer/informer.ts';
import { createLogger } from '../log/logger.ts';
import { ReconcileTimeoutError } from '../queue/reconcile-timeout.ts';
import { rememberSensitiveValues, sensitiveValues } from '../status/sensitive-values.ts';
import { reportReconcile, writeTimeoutCondition } from './reconcile-report.ts';
import type { StatusPatcher, StatusTarget } from './status-patcher.ts';

const NOW = new Date('2026-05-01T10:00:00Z');

function recordingPatcher() {
  const patches: Array<{ target: StatusTarget; status: { conditions: Condition[] } }> = [];
  const patcher: StatusPatcher = {
    async patchStatus(target, status) {
      patches.push({ target, status: status as { conditions: Condition[] } });
    },
    async patchMetadata() {},
  };
  return { patches, patcher };
}

/** The part of an informer the report reads: the cache and the resource it watches. */
function cacheOf(objects: KubernetesObject[]): ResourceInformer<KubernetesObject> {
  return {
    resource: { apiVersion: 'vault.lockstep.dev/v1beta1', kind: 'VaultStaticSecret', plural: 'vaultstaticsecrets' },
    get: (namespace: string | undefined, name: string) =>
      objects.find((o) => o.metadata?.namespace === namespace && o.metadata?.name === name),
  } as unknown as ResourceInformer<KubernetesObject>;
}

function logLines() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { lines, log };
}

describe('a reconcile past its budget', () => {
  it('says so in Ready=False, keeping the other conditions', async () => {
    const { patches, patcher } = recordingPatcher();
    const obj = {
      apiVersion: 'vault.lockstep.dev/v1beta1',
      kind: 'VaultStaticSecret',
      metadata: { namespace: 'team', name: 'db', generation: 3 },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Synced',
            message: 'ok',
            lastTransitionTime: '2026-04-01T00:00:00Z',
          },
          { type: 'InsecureTransport', status: 'True', reason: 'Http', message: 'http', lastTransitionTime: 'x' },
        ],
      },
    };
    await writeTimeoutCondition(
      cacheOf([obj]),
      {
        queue: 'VaultStaticSecret',
        key: 'team/db',
        result: 'timeout',
        durationMs: 30_000,
        error: new ReconcileTimeoutError(30_000),
      },
      { status: patcher, now: () => NOW },
    );
    assert.equal(patches.length, 1);
    assert.deepEqual(patches[0]?.target, {
      group: 'vault.lockstep.dev',
      version: 'v1beta1',
      plural: 'vaultstaticsecrets',
      namespace: 'team',
      name: 'db',
    });
    const [ready, other] = patches[0]?.status.conditions ?? [];
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'ReconcileTimeout');
    assert.match(ready?.message ?? '', /did not finish within 30s \(--reconcile-timeout\)/);
    assert.equal(ready?.observedGeneration, 3);
    assert.equal(other?.type, 'InsecureTransport');
  });

  it('uses the reason the kind asks for, and leaves a deleted object alone', async () => {
    const { patches, patcher } = recordingPatcher();
    const event = {
      queue: 'ExternalSecret',
      key: 'team/gone',
      result: 'timeout' as const,
      durationMs: 1,
      error: new ReconcileTimeoutError(1000),
    };
    await writeTimeoutCondition(cacheOf([]), event, { status: patcher, now: () => NOW, reason: 'SecretSyncedError' });
    assert.equal(patches.length, 0);
    const es = { metadata: { namespace: 'team', name: 'gone' } };
    await writeTimeoutCondition(cacheOf([es]), event, { status: patcher, now: () => NOW, reason: 'SecretSyncedError' });
    assert.equal(patches[0]?.status.conditions[0]?.reason, 'SecretSyncedError');
  });
});

describe('what the log says about a reconcile that went wrong', () => {
  it('warns about a timeout with the key, the budget and when it runs again', () => {
    const { lines, log } = logLines();
    reportReconcile(log, {
      queue: 'SecretStore',
      key: 'team/vault',
      result: 'timeout',
      durationMs: 3000,
      error: new ReconcileTimeoutError(3000),
      nextRunInMs: 900,
    });
    assert.equal(lines[0]?.level, 'warn');
    assert.equal(lines[0]?.key, 'team/vault');
    assert.equal(lines[0]?.budgetMs, 3000);
    assert.equal(lines[0]?.retryInMs, 900);
  });

  it('logs a bug at error with its type and stack, never its message', () => {
    const { lines, log } = logLines();
    let bug: unknown;
    try {
      JSON.parse('{"password":"s3cr3t-in-a-parse-error');
    } catch (err) {
      bug = err;
    }
    reportReconcile(log, { queue: 'ExternalSecret', key: 'team/es', result: 'error', durationMs: 1, error: bug });
    assert.equal(lines[0]?.level, 'error');
    assert.equal((lines[0]?.error as { type?: string } | undefined)?.type, 'SyntaxError');
    assert.doesNotMatch(JSON.stringify(lines), /s3cr3t/);
  });

  it('warns about an unclassified error with its text, through the scrub conditions use', () => {
    const { lines, log } = logLines();
    rememberSensitiveValues(['hunter2-remembered']);
    try {
      const err = new Error('upstream closed while sending hunter2-remembered (token hvs.CAESIabcdefghijklmnopqrstuv)');
      reportReconcile(log, { queue: 'ExternalSecret', key: 'team/es', result: 'error', durationMs: 1, error: err });
    } finally {
      sensitiveValues.clear();
    }
    assert.equal(lines[0]?.level, 'warn');
    const error = lines[0]?.error as { type?: string; message?: string } | undefined;
    assert.equal(error?.type, 'Error');
    assert.match(error?.message ?? '', /^upstream closed while sending \[redacted\]/);
    assert.doesNotMatch(JSON.stringify(lines), /hunter2|hvs\.CAES/);
  });

  it('keeps classified failures at debug: the reconciler already put them in Ready', () => {
    const { lines, log } = logLines();
    reportReconcile(log, {
      queue: 'VaultConnection',
      key: 'team/conn',
      result: 'error',
      durationMs: 1,
      error: new BackendError('Unavailable', 'vault', 'Vault at http://127.0.0.1:1 is unreachable (ECONNREFUSED)'),
    });
    reportReconcile(log, { queue: 'VaultConnection', key: 'team/conn', result: 'success', durationMs: 1 });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 'debug');
    assert.deepEqual(lines[0]?.error, {
      class: 'Unavailable',
      message: 'Vault at http://127.0.0.1:1 is unreachable (ECONNREFUSED)',
    });
  });
});
