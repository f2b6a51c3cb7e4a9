// Templates from the External Secrets Operator documentation ("Advanced Templating v2"), run
// as ESO runs them: data is a map of secret key to bytes, and a missing key is an error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from './index.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const secretData = (values: Record<string, string>): Record<string, Uint8Array> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, bytes(v)]));
const eso = (text: string, data: Record<string, string>): string =>
  compileTemplate('key', text).execute(secretData(data), { missingKey: 'error' });

describe('ESO documentation examples', () => {
  it('builds a config file from several keys', () => {
    const config = `datasources:
- name: Graphite
  type: graphite
  access: proxy
  url: http://localhost:8080
  password: "{{ .password }}"
  user: "{{ .user }}"
`;
    assert.equal(
      eso(config, { user: 'admin', password: 'p4ss' }),
      'datasources:\n- name: Graphite\n  type: graphite\n  access: proxy\n  url: http://localhost:8080\n  password: "p4ss"\n  user: "admin"\n',
    );
  });

  it('rewrites a value with replace', () => {
    assert.equal(
      eso('{{ .dburl | replace "postgres://" "postgresql://" }}', { dburl: 'postgres://db:5432/app' }),
      'postgresql://db:5432/app',
    );
  });

  it('decodes a base64 value', () => {
    assert.equal(eso('{{ .password | b64dec }}', { password: Buffer.from('s3cr3t').toString('base64') }), 's3cr3t');
  });

  it('reads keys with dashes through index', () => {
    assert.equal(eso('{{ index . "service-account-token" }}', { 'service-account-token': 'tok' }), 'tok');
  });

  it('ranges over all keys (templateFrom with scope KeysAndValues)', () => {
    assert.equal(
      eso('{{ range $k, $v := . }}{{ $k | upper }}: {{ $v | quote }}\n{{ end }}', { b: '2', a: '1' }),
      'A: "1"\nB: "2"\n',
    );
  });

  it('renders a template kept escaped for Helm with a raw string', () => {
    assert.equal(eso('{{ `{{ .mysecret }}` }}', {}), '{{ .mysecret }}');
  });

  it('builds a docker config JSON with an auth field', () => {
    const t =
      '{"auths":{"{{ .registry }}":{"username":"{{ .user }}","password":"{{ .pass }}","auth":"{{ printf "%s:%s" .user .pass | b64enc }}"}}}';
    const out = JSON.parse(eso(t, { registry: 'r.example', user: 'u', pass: 'p' }));
    assert.deepEqual(out, {
      auths: { 'r.example': { username: 'u', password: 'p', auth: Buffer.from('u:p').toString('base64') } },
    });
  });

  it('extracts a property of a JSON secret and re-serialises a sub-object', () => {
    const creds = JSON.stringify({ host: 'db', port: 5432, tls: { mode: 'verify-full' } });
    assert.equal(
      eso('{{ $c := .creds | fromJson }}{{ $c.host }}:{{ $c.port }} {{ $c.tls | toJson }}', { creds }),
      'db:5432 {"mode":"verify-full"}',
    );
  });

  it('keeps only the certificate of a bundle with filterPEM', () => {
    const cert = `-----BEGIN CERTIFICATE-----\n${Buffer.from('cert').toString('base64')}\n-----END CERTIFICATE-----\n`;
    const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('key').toString('base64')}\n-----END PRIVATE KEY-----\n`;
    assert.equal(eso('{{ .bundle | filterPEM "CERTIFICATE" }}', { bundle: key + cert }), cert);
  });

  it('fails on a key that was not fetched, as ESO does', () => {
    assert.throws(() => eso('{{ .nope }}', { a: '1' }), /executing "key" at <\.nope>: map has no entry for key "nope"/);
  });

  it('renders a connection string with defaults for optional parts', () => {
    const t =
      'postgresql://{{ .user }}:{{ .password | urlquery }}@{{ .host }}:{{ index . "port" | default "5432" }}/app';
    assert.equal(eso(t, { user: 'u', password: 'p@ss w', host: 'h' }), 'postgresql://u:p%40ss+w@h:5432/app');
  });
});
