import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../index.ts';

const render = (text: string, data: unknown = {}): string => compileTemplate('t', text).execute(data);

describe('sprig encoding functions', () => {
  it('encodes and decodes base64 and base32', () => {
    assert.equal(
      render('{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }}'),
      'aGVsbG8= hello NBSWY3DP hello',
    );
    assert.equal(render('{{ b64enc "" }}|{{ b64dec "" }}|{{ b32enc "a" }}'), '||ME======');
  });

  it('answers Go error text for bad base64, as Sprig does, naming only a position', () => {
    assert.equal(render('{{ b64dec "not base64!" }}'), 'illegal base64 data at input byte 3');
    assert.equal(render('{{ b64dec "aGVsbG8" }}'), 'illegal base64 data at input byte 4');
  });

  it('keeps binary data intact through b64dec and b64enc', () => {
    const bin = Buffer.from([0xff, 0x00, 0xfe, 0x80]).toString('base64');
    assert.equal(render('{{ .v | b64dec | b64enc }}', { v: bin }), bin);
    const tpl = compileTemplate('t', 'bin:{{ .v | b64dec }}');
    assert.deepEqual([...tpl.executeBytes({ v: bin })], [...Buffer.from('bin:'), 0xff, 0x00, 0xfe, 0x80]);
    assert.throws(() => tpl.execute({ v: bin }), /output contains binary \(non-UTF-8\) data/);
  });

  it('renders JSON as Go does: sorted keys, HTML-safe escapes unless raw, pretty with two spaces', () => {
    const data = { m: { b: 1, a: '<&>' }, l: ['x', null, true] };
    assert.equal(render('{{ toJson . }}', data), '{"l":["x",null,true],"m":{"a":"\\u003c\\u0026\\u003e","b":1}}');
    assert.equal(render('{{ toRawJson .m }}', data), '{"a":"<&>","b":1}');
    assert.equal(render('{{ toPrettyJson .m }}', data), '{\n  "a": "\\u003c\\u0026\\u003e",\n  "b": 1\n}');
    assert.equal(
      render('{{ toJson (list) }} {{ toJson (dict) }} {{ toJson 3 }} {{ toJson "s\\n" }}'),
      '[] {} 3 "s\\n"',
    );
  });

  it('parses JSON into maps, lists and float64 numbers', () => {
    const t = '{{ $c := fromJson .config }}{{ $c.db.host }}:{{ $c.db.port }} {{ index $c.hosts 1 }} {{ $c.ratio }}';
    assert.equal(
      render(t, { config: '{"db":{"host":"h","port":5432},"hosts":["a","b"],"ratio":0.5}' }),
      'h:5432 b 0.5',
    );
    assert.equal(render('{{ fromJson "[1,2]" }} {{ fromJson "not json" }}'), '[1 2] <nil>');
  });

  it('fails mustFromJson on invalid JSON without quoting the value', () => {
    assert.throws(
      () => render('{{ mustFromJson .v }}', { v: '{"password": hunter2}' }),
      (e: Error) => {
        assert.match(e.message, /error calling mustFromJson: value is not valid JSON/);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
    );
  });

  it('renders and parses YAML like ESO (block style, sorted keys, no trailing newline)', () => {
    // go-yaml v2 reads y and n as booleans (YAML 1.1), so it quotes them as strings.
    assert.equal(
      render('{{ toYaml . }}', { b: ['x', 'y'], a: { n: 1, s: '123' } }),
      'a:\n  "n": 1\n  s: "123"\nb:\n- x\n- "y"',
    );
    assert.equal(
      render('{{ $y := fromYaml .v }}{{ $y.a.b }} {{ $y.enabled }} {{ $y.when }}', {
        v: 'a:\n  b: c\nenabled: yes\nwhen: 2024-01-02\n',
      }),
      'c true 2024-01-02',
    );
    assert.equal(render('{{ (fromYaml "- a").Error }}'), 'value is not a YAML mapping');
  });

  it('hashes strings', () => {
    assert.equal(render('{{ sha1sum "abc" }}'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(render('{{ sha256sum "abc" }}'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.match(render('{{ sha512sum "abc" }}'), /^ddaf35a193617aba/);
    assert.equal(render('{{ adler32sum "Wikipedia" }}'), '300286872');
  });
});
