import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, type ExecuteOptions, TemplateError } from './index.ts';

const secret = 'S3cr3t-Value-9f8e7d';
const data = {
  s: secret,
  json: `{"password": "${secret}", broken`,
  pem: `not a pem ${secret}`,
  nested: { inner: secret },
  list: [secret],
  bin: new Uint8Array([0xff, 0xfe, ...Buffer.from(secret)]),
};

function thrown(text: string, opts?: ExecuteOptions): TemplateError {
  try {
    compileTemplate('t', text).execute(data, opts);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError for ${text}, got ${e}`);
    return e;
  }
  assert.fail(`expected ${text} to fail`);
}

// Each of these fails while handling the secret value; none may echo it.
const failing: [string, string | RegExp, ExecuteOptions?][] = [
  ['{{ range .s }}{{ end }}', /range can't iterate over a value of type string/],
  ['{{ .s.field }}', /can't evaluate field field in type string/],
  ['{{ .s "arg" }}', /s is not a method but has arguments/],
  ['{{ index .s 99 }}', /index out of range: 99/],
  ['{{ index .nested 1 }}', /value has type int; should be string/],
  ['{{ eq .s 1 }}', /incompatible types for comparison/],
  ['{{ lt .s .list }}', /invalid type for comparison/],
  ['{{ mustFromJson .json }}', /value is not valid JSON/],
  ['{{ regexMatch (print "(" .s) "x" }}', /invalid regular expression/],
  ['{{ filterPEM "CERTIFICATE" .pem }}', /found junk/],
  ['{{ jwkPublicKeyPem .s }}', /not a JSON Web Key/],
  ['{{ first .s }}', /Cannot find first on type string/],
  ['{{ keys .s }}', /expected map\[string\]interface \{\}; got string/],
  ['{{ upper .list }}', /expected string; got \[\]interface \{\}/],
  ['{{ b64enc .nested }}', /expected string; got map/],
  ['{{ div (len .s) 0 }}', /integer divide by zero/],
  ['{{ slice .s 3 1 }}', /invalid slice index: 3 > 1/],
  ['{{ template "missing" .s }}', /no template "missing"/],
  [
    '{{ define "x" }}{{ .nope.deeper }}{{ end }}{{ template "x" .nested }}',
    /no entry for key "nope"/,
    { missingKey: 'error' },
  ],
  ['{{ repeat 100000000 .s }}', /limit exceeded/],
  ['{{ range until 1000 }}{{ $.s }}{{ end }}', /output is larger than/, { limits: { maxOutputBytes: 1000 } }],
  ['{{ .bin | upper }}', /expected string; got \[\]uint8/],
  ['{{ .bin }}', /output contains binary/],
];

describe('error messages', () => {
  for (const [text, expected, opts] of failing) {
    it(`never contain the secret value: ${text}`, () => {
      const e = thrown(text, opts);
      assert.match(e.message, expected instanceof RegExp ? expected : new RegExp(expected));
      assert.ok(!e.message.includes(secret), `message leaks the secret: ${e.message}`);
      assert.ok(!e.message.includes('S3cr3t'), `message leaks part of the secret: ${e.message}`);
    });
  }

  it('say where the error happened: template, line, column and the action text', () => {
    const e = thrown('line 1\n  {{ .s | upper | b64dec | first }}');
    assert.equal(e.kind, 'exec');
    assert.match(
      e.message,
      /^template: t:2:28: executing "t" at <first>: error calling first: Cannot find first on type string$/,
    );
    assert.deepEqual(e.position, { template: 't', line: 2, column: 28 });
  });

  it('report errors inside a defined template at that template', () => {
    const e = thrown('{{ define "inner" }}\n{{ upper 1 }}{{ end }}{{ template "inner" }}');
    assert.match(e.message, /^template: inner:2:10: executing "inner" at <number>: expected string; found 1$/);
  });

  // A template may come from a Secret (templateFrom): its literals and text are secret too.
  const literal = 'Lit3ral-S3cret-77';
  const quotingTemplates = [
    `{{ upper 1 "${literal}" }}`,
    `{{ "${literal}" | b64dec | first }}`,
    `{{ "${literal}".field }}`,
    `{{ "${literal}\\q" }}`,
    `{{ '${literal}' }}`,
    `{{ ${literal} }}`,
    `{{ 12${literal} }}`,
    `{{ if }}${literal}`,
    `${literal}{{ end }}`,
    `{{ printf "%s" "${literal}" | fromJson | keys }}`,
    `{{ .s | ${literal.replaceAll('-', '_')} }}`,
  ];
  for (const text of quotingTemplates) {
    it(`never quote the template's literals or text: ${text}`, () => {
      let message = '';
      try {
        compileTemplate('key.yaml', text).execute(data);
      } catch (e) {
        assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${e}`);
        message = e.message;
      }
      assert.ok(message, `expected ${text} to fail`);
      assert.match(message, /^template: key\.yaml/);
      assert.ok(!message.includes('S3cret'), `message quotes the template: ${message}`);
    });
  }

  it('classify parse, exec and limit errors', () => {
    assert.throws(
      () => compileTemplate('t', '{{ if }}'),
      (e: TemplateError) => e.kind === 'parse',
    );
    assert.equal(thrown('{{ first .s }}').kind, 'exec');
    assert.equal(thrown('{{ repeat 100000000 .s }}').kind, 'limit');
  });
});
