// ESO's VaultDynamicSecret generator (generators.lockstep.dev/v1alpha1) on the lease engine of
// the Vault-native kind: where ESO issues a new credential at every refresh and leaves the old
// lease to expire, here the consumer's ledger is handed back on every run and the engine renews
// the lease, re-issues it before Vault's max TTL caps it, and revokes the superseded one after
// the rollout (or on delete). Registered into the generic pipeline as core's LeasedGenerator.

import {
  BackendError,
  type KubeAccess,
  type LeasedGenerator,
  type LeasedSourceResult,
  type LeasedSourceRun,
  type SecretMap,
  SpecProblem,
} from '@lockstep/core';
import type { VaultDynamicSecretGenerator } from '../api/vault-dynamic-secret-generator.ts';
import type { LoginTarget } from '../auth/login-target.ts';
import type { TokenManager } from '../auth/token-manager.ts';
import type { TransportPolicy } from '../client/transport-security.ts';
import type { VaultClientPool } from '../client/vault-client-pool.ts';
import type { VaultResponse } from '../client/vault-types.ts';
import type { LeaseBackend } from '../lease/lease-backend.ts';
import { decideLease, type LeaseDecisionInput } from '../lease/lease-decision.ts';
import { executeLeasePlan } from '../lease/lease-engine.ts';
import { leasePosition, staggerSeed } from '../lease/token-stagger.ts';
import { leaseOps } from '../reconcilers/dynamic-backend.ts';
import { revokeAll } from '../reconcilers/leased-sync.ts';
import type { VaultSession } from '../reconcilers/vault-session.ts';
import { connectionOf } from './vault-provider.ts';
import { authMethodOf, validateVaultSpec } from './vault-provider-spec.ts';

export type DynamicSecretGeneratorSpec = VaultDynamicSecretGenerator['spec'];

export interface DynamicSecretGeneratorDeps extends TransportPolicy {
  tokens: TokenManager;
  clients: VaultClientPool;
  /** Grace before revoking a superseded lease when the consumer has no rollout targets (default 300 s). */
  graceSeconds?: number;
  /** Seeds the jitter slots (drawn once per process, as the Vault-native kinds do). */
  random?: () => number;
}

const METHODS = ['GET', 'POST', 'PUT'];

/** What is wrong with a generator spec; the field names are the generator's own. */
export function validateGeneratorSpec(
  spec: DynamicSecretGeneratorSpec,
  namespace: string,
  policy: TransportPolicy = {},
) {
  if (!spec || typeof spec !== 'object') return ['spec is missing'];
  const problems: string[] = [];
  if (!spec.path) problems.push('spec.path is required: the Vault path to read, e.g. database/creds/app');
  if (spec.method && !METHODS.includes(spec.method.toUpperCase())) {
    problems.push(`spec.method "${spec.method}" is not one of GET, POST, PUT`);
  }
  // The generator's provider is a store's `vault` provider, used from the consumer's namespace only.
  const store = { kind: 'SecretStore' as const, name: 'generator', namespace };
  for (const p of validateVaultSpec(spec.provider, store, policy)) {
    problems.push(p.replaceAll('spec.provider.vault', 'spec.provider'));
  }
  return problems;
}

export function vaultDynamicSecretGenerator(deps: DynamicSecretGeneratorDeps): LeasedGenerator {
  const seed = staggerSeed({ random: deps.random ?? Math.random });

  const session = async (spec: DynamicSecretGeneratorSpec, namespace: string, kube: KubeAccess) => {
    const problems = validateGeneratorSpec(spec, namespace, deps);
    if (problems.length) throw new SpecProblem('InvalidSpec', problems.join('; '));
    const store = { kind: 'SecretStore' as const, name: 'generator', namespace };
    const client = deps.clients.get(await connectionOf(spec.provider, { store, namespace, kube }));
    const target: LoginTarget = {
      client,
      kube,
      namespace,
      ...(spec.provider.auth?.namespace ? { vaultNamespace: spec.provider.auth.namespace } : {}),
      method: authMethodOf(spec.provider),
    };
    const token = await deps.tokens.acquire(target);
    const opts = spec.provider.namespace ? { namespace: spec.provider.namespace } : {};
    return { client, token, opts };
  };

  return {
    kind: 'VaultDynamicSecret',
    validateSpec: (spec, namespace) => validateGeneratorSpec(spec as DynamicSecretGeneratorSpec, namespace, deps),

    async sync(run: LeasedSourceRun): Promise<LeasedSourceResult> {
      const spec = run.spec as DynamicSecretGeneratorSpec;
      const s = await session(spec, run.namespace, run.kube);
      const { token } = s;
      const now = run.now();
      const input: LeaseDecisionInput = {
        ledger: run.ledger,
        now,
        jitter: leasePosition(run.key, seed),
        // The engine re-issues on a generation change; the consumer says when its spec moved.
        ...(run.reissue === 'SpecChanged' ? { generation: 1, lastGeneration: 0 } : {}),
        ...(run.reissue === 'TargetDrifted' ? { destination: 'Drifted' as const } : {}),
        ...(run.ledger?.tokenAccessor === token.accessor()
          ? { token: { accessor: token.accessor(), expiresAt: token.expiresAt() } }
          : {}),
        hasTargets: run.hasTargets,
        ...(run.rollout ? { rollout: { state: run.rollout } } : {}),
        ...(deps.graceSeconds !== undefined ? { graceSeconds: deps.graceSeconds } : {}),
      };
      const plan = decideLease(input);
      const act = await executeLeasePlan(plan, input, {
        backend: generatorBackend(spec, s),
        now: run.now,
        random: { random: run.random },
      });
      return {
        ledger: act.ledger,
        ...(act.issued
          ? { issued: { data: act.issued.data, reason: act.issued.reason, restartValue: act.issued.restartValue } }
          : {}),
        ...(act.renewed ? { renewed: { capped: act.renewed.capped } } : {}),
        revoked: act.revoked,
        next: act.next,
        ...(act.error ? { error: act.error } : {}),
      };
    },

    async release(run) {
      if (!run.ledger) return [];
      const spec = run.spec as DynamicSecretGeneratorSpec;
      return revokeAll(run.ledger, { ...leaseOps(await session(spec, run.namespace, run.kube)), issue: notIssuing });
    },
  };
}

async function notIssuing(): Promise<never> {
  throw new BackendError('InvalidInput', 'vault', 'nothing is issued while releasing leases');
}

/** Issues by reading (GET, parameters as query) or writing (POST/PUT, parameters as body) `spec.path`. */
export function generatorBackend(
  spec: DynamicSecretGeneratorSpec,
  session: Pick<VaultSession, 'client' | 'token' | 'opts'>,
): LeaseBackend<SecretMap> {
  const { client, token, opts } = session;
  const method = (spec.method?.toUpperCase() ?? 'GET') === 'GET' ? 'GET' : 'POST';
  return {
    async issue() {
      const res = await token.use((t) =>
        client.request<Record<string, unknown>>(method, spec.path, {
          token: t,
          ...opts,
          ...(method === 'GET'
            ? { query: queryOf(spec.parameters) }
            : { body: spec.parameters ?? {}, idempotent: false }),
        }),
      );
      const data = resultOf(res, spec.resultType ?? 'Data');
      if (Object.keys(data).length === 0 && !spec.allowEmptyResponse) {
        throw new SpecProblem(
          'EmptyResponse',
          `"${spec.path}" answered no ${(spec.resultType ?? 'Data').toLowerCase()}: check the path, or set allowEmptyResponse: true`,
        );
      }
      // A login answers with a token, not a lease: re-read at renewalPercent of its ttl.
      const ttlSeconds = res.leaseId ? res.leaseDuration : (res.auth?.leaseDuration ?? res.leaseDuration);
      return {
        data: bytesOf(data),
        ...(res.leaseId ? { leaseId: res.leaseId } : {}),
        ...(res.requestId ? { requestId: res.requestId } : {}),
        ttlSeconds,
        renewable: res.leaseId ? res.renewable : false,
        tokenAccessor: token.accessor(),
      };
    },
    ...leaseOps(session),
  };
}

function queryOf(parameters: unknown): Record<string, string> {
  if (!parameters || typeof parameters !== 'object') return {};
  return Object.fromEntries(
    Object.entries(parameters as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  );
}

/** ESO's resultType: the response's `data`, its `auth` block, or the whole answer. */
function resultOf(res: VaultResponse<Record<string, unknown>>, resultType: string): Record<string, unknown> {
  if (resultType === 'Auth') {
    const a = res.auth;
    if (!a) return {};
    return {
      client_token: a.clientToken,
      accessor: a.accessor,
      policies: a.policies,
      lease_duration: a.leaseDuration,
      renewable: a.renewable,
      orphan: a.orphan,
      token_type: a.tokenType,
      entity_id: a.entityId,
    };
  }
  if (resultType === 'Raw') {
    return {
      request_id: res.requestId ?? '',
      lease_id: res.leaseId,
      lease_duration: res.leaseDuration,
      renewable: res.renewable,
      data: res.data ?? null,
      warnings: res.warnings,
    };
  }
  return res.data ?? {};
}

/** Values as ESO writes them: strings as they are, numbers and booleans printed, the rest as JSON. */
function bytesOf(data: Record<string, unknown>): SecretMap {
  const out: SecretMap = {};
  for (const [k, v] of Object.entries(data)) {
    const text =
      typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : v === null || v === undefined
            ? ''
            : JSON.stringify(v);
    out[k] = Buffer.from(text);
  }
  return out;
}
