import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DemoRow } from './demo-row.ts';
import { renderTable } from './render-table.ts';

const NOW = new Date('2026-11-28T12:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const synced: DemoRow = {
  kind: 'ExternalSecret',
  namespace: 'demo',
  name: 'app-config-aws',
  model: 'generic',
  ready: 'True',
  reason: 'SecretSynced',
  target: { name: 'app-config-aws', keys: ['username', 'password'] },
  next: { label: 'refresh', at: at(59 * 60 + 12) },
};
const leased: DemoRow = {
  kind: 'VaultDynamicSecret',
  namespace: 'demo',
  name: 'db-creds',
  model: 'vault-native',
  ready: 'True',
  reason: 'SecretSynced',
  target: { name: 'db-creds', keys: ['password', 'username'] },
  leaseExpiry: at(3600),
  next: { label: 'renew', at: at(40 * 60 + 12) },
};
const notServed: DemoRow = {
  kind: 'VaultPKISecret',
  namespace: 'demo',
  name: 'web-tls',
  model: 'vault-native',
  reason: 'NotServed',
  message: 'this controller build does not reconcile VaultPKISecret yet',
  target: { name: 'web-tls' },
};

function line(table: string, resource: string): string {
  const found = table.split('\n').find((l) => l.startsWith(`${resource} `));
  assert.ok(found, `no row for ${resource} in\n${table}`);
  return found;
}

describe('renderTable', () => {
  it('lists each resource with its model, Ready reason and the target Secret key names, sorted', () => {
    const table = renderTable([synced], NOW);
    const [header] = table.split('\n');
    assert.match(header ?? '', /^RESOURCE +MODEL +READY +TARGET SECRET: KEYS +LEASE TTL +NEXT$/);
    assert.match(
      line(table, 'ExternalSecret demo/app-config-aws'),
      /^ExternalSecret demo\/app-config-aws +generic +True SecretSynced +app-config-aws: password, username +- +refresh in 59m12s$/,
    );
  });

  it('counts the lease TTL left and the time to the next renewal from now', () => {
    const row = line(renderTable([leased], NOW), 'VaultDynamicSecret demo/db-creds');
    assert.match(row, / vault-native +True SecretSynced +db-creds: password, username +1h +renew in 40m12s$/);
    const later = line(renderTable([leased], at(30 * 60)), 'VaultDynamicSecret demo/db-creds');
    assert.match(later, / 30m +renew in 10m12s$/);
  });

  it('marks an expired lease and an overdue renewal instead of showing negative times', () => {
    const row = line(renderTable([leased], at(2 * 3600)), 'VaultDynamicSecret demo/db-creds');
    assert.match(row, / expired +renew due$/);
  });

  it('shows a resource without status as not Ready and says why under the table', () => {
    const table = renderTable([synced, notServed], NOW);
    assert.match(line(table, 'VaultPKISecret demo/web-tls'), / vault-native +- NotServed +web-tls: \(not created\) /);
    assert.match(
      table,
      /\nnot ready:\n {2}VaultPKISecret demo\/web-tls: this controller build does not reconcile VaultPKISecret yet\n$/,
    );
    assert.doesNotMatch(table, /ExternalSecret demo\/app-config-aws: /, 'a Ready row is not explained');
  });

  it('keeps every line within a narrow terminal by cutting the widest cells', () => {
    const wide: DemoRow = {
      ...synced,
      target: { name: 'app-config-aws', keys: Array.from({ length: 20 }, (_, i) => `key-number-${i}`) },
    };
    const table = renderTable([wide, leased, notServed], NOW, { width: 120 });
    for (const l of table.trimEnd().split('\n')) assert.ok(l.length <= 120, `${l.length} > 120: ${l}`);
    assert.match(
      line(table, 'ExternalSecret demo/app-config-aws'),
      /app-config-aws: key-[^ ]*… +- +refresh in 59m12s$/,
    );
  });

  it('colours only the Ready cell, so the columns line up as in plain text', () => {
    const plain = renderTable([synced, notServed], NOW);
    const colored = renderTable([synced, notServed], NOW, { color: true });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
    assert.equal(colored.replace(/\u001b\[\d+m/g, ''), plain);
    assert.ok(colored.includes('\u001b[32mTrue SecretSynced'), 'Ready True is green');
    assert.ok(colored.includes('\u001b[33m- NotServed'), 'no status is yellow');
  });

  it('says so when there is nothing to show yet', () => {
    assert.equal(renderTable([], NOW), 'no Lockstep resources yet\n');
  });
});
