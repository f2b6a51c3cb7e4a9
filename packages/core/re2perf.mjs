import { RE2JS } from 're2js';
const n = 100000; const a = 'a'.repeat(n) + '!';
for (const p of ['^(a+)+$', '((a+)*)+$', '(?:a|aa)+$', '(.*a){20}', '(.*a){50}', '(?:.*a){50}', '(a?){50}a{50}', '(?:(?:a|b|c|d|e|f|g)+x)*', '[a-q][^u-z]{13}x', '(\\w+\\s?)*$', '(.*){1,32}[bc]']) {
  const re = RE2JS.compile(p); const m = re.matcher(''); const ps = m.programSize();
  re.exec(a.slice(0,1000));
  let s = performance.now(); re.exec(a); const te = performance.now()-s;
  s = performance.now(); re.test(a); const tt = performance.now()-s;
  s = performance.now(); [...re.matchAll(a)]; const ta = performance.now()-s;
  console.log(p, 'prog', ps, 'exec', te.toFixed(1), 'test', tt.toFixed(1), 'all', ta.toFixed(1), 'ns/(n*m) exec', (te*1e6/(n*ps)).toFixed(3));
}
