import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseEnvFile } from './global-setup.ts';
import { requirePeerEnv } from './peers.ts';

describe('the test global setup', () => {
  it('fails the whole run, printing which peer could not start, instead of skipping tests', async () => {
    const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      ['--test', `--test-global-setup=${fixture('failing-global-setup.ts')}`, fixture('needs-sandbox.ts')],
      // Without NODE_TEST_CONTEXT the child is a top-level runner, not a nested one that would skip its files.
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.notEqual(code, 0, output);
    assert.match(output, /OpenBao could not start: could not run it: spawn \/nonexistent\/bao ENOENT/);
    assert.doesNotMatch(output, /THE TEST RAN/);
  });

  it('hands the sandbox variables to the test processes', () => {
    const env = requirePeerEnv('apiserver', 'openbao', 'postgres', 'moto', 'VAULT_ADDR', 'VAULT_TOKEN');
    assert.equal(env.VAULT_ADDR, env.BAO_ADDR);
    assert.match(env.LOCKSTEP_SANDBOX_URL ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('requirePeerEnv', () => {
  it('throws (a test failure, not a skip) when a variable is missing', () => {
    assert.throws(
      () => requirePeerEnv('LOCKSTEP_NOT_A_SANDBOX_VARIABLE'),
      /missing sandbox environment: LOCKSTEP_NOT_A/,
    );
  });
});

describe('parseEnvFile', () => {
  it('reads back the quoting the env file uses', () => {
    const text = "export A='plain'\nexport B='it'\\''s'\n# comment\nexport C=''\n";
    assert.deepEqual(parseEnvFile(text), { A: 'plain', B: "it's", C: '' });
  });
});
