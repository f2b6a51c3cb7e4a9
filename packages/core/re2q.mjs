import { RE2JS } from 're2js';
const line = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n';
const s = line.repeat(2000);
for (const p of ['\n', '[A-Z]+', '(?P<x>[0-9])']) {
  const re = RE2JS.compile(p); const m = re.matcher(s);
  let t = performance.now(); let pos = 0, c = 0; while (pos <= s.length && m.find(pos)) { c++; pos = m.end() > m.start() ? m.end() : m.end() + 1; m.group(re.groupCount()); } 
  console.log(JSON.stringify(p), s.length, c, 'find loop', (performance.now() - t).toFixed(1));
  t = performance.now(); c = [...re.matchAll(s)].length; console.log('  matchAll', c, (performance.now() - t).toFixed(1));
  t = performance.now(); m.reset(); c = 0; while (m.find()) c++; console.log('  find()', c, (performance.now() - t).toFixed(1));
}
