// OpenBao's own request counters (sys/metrics, the in-memory telemetry sink of `-dev`): a
// server-side count of Vault calls that does not depend on the controller reporting them.

import type { OpenBaoApi } from '@lockstep/sandbox';
import { parsePrometheus } from './prometheus-text.ts';

/** Requests per route, e.g. `read kv`, `update sys`, `create database` (vault_route_<op>_<mount>__count). */
export async function openBaoRouteCounts(bao: OpenBaoApi): Promise<Record<string, number>> {
  const res = await fetch(`${bao.addr}/v1/sys/metrics?format=prometheus`, {
    headers: { 'X-Vault-Token': bao.token ?? '' },
    signal: AbortSignal.timeout(10_000),
  });
  const out: Record<string, number> = {};
  for (const s of parsePrometheus(await res.text())) {
    const m = /^vault_route_([a-z]+)_(.+?)_*_count$/.exec(s.name);
    if (!m?.[1] || !m[2]) continue;
    out[`${m[1]} ${m[2]}`] = s.value;
  }
  return out;
}

/**
 * The requests a window's route counts hold that a client sent, leaving out those of other
 * controllers' work: OpenBao counts one `sys/leases/renew` twice (`update sys` for the API route,
 * `renew <mount>` for the secrets engine it calls), its rollback manager's periodic `rollback *`
 * are its own, and `read <kv mount>` are the VaultStaticSecrets that share the controller in B5.
 */
export function clientRequests(routes: Record<string, number>, otherRoutes: readonly string[]): number {
  let n = 0;
  for (const [route, count] of Object.entries(routes)) {
    if (route.startsWith('renew ') || route.startsWith('rollback ') || otherRoutes.includes(route)) continue;
    n += count;
  }
  return n;
}
