import { RE2JS } from 're2js';
const pats = ['^(a+)+$','(a|a)*b','(x+x+)+y','((a+)*)+$','(?:a|aa)+$','(.*a){20}','(.*){1,32}[bc]','(.*){1,32}','(?:.*){1,32}[bc]','(a*)*(b*)*(c*)*d','(?i)(\\w+\\s?)*$','([^!]*a)+!z','(?s)(.*?,){11}P', '(a{1,30}){1,30}', '(?:(?:a|b|c|d|e|f|g)+x)*'];
for (const p of pats) {
  const re = RE2JS.compile(p); const m = re.matcher(''); const ps = m.programSize();
  const n = Math.floor(1e6 / ps); const a = 'a'.repeat(n);
  re.exec(a.slice(0, 500));
  let s = performance.now(); re.exec(a); const te = performance.now() - s;
  s = performance.now(); const mm = re.matcher(a); mm.find(); const tf = performance.now() - s;
  s = performance.now(); re.test(a); const tt = performance.now() - s;
  console.log(p.padEnd(26), 'prog', String(ps).padStart(4), 'n', String(n).padStart(7), 'exec', te.toFixed(0).padStart(5), 'find', tf.toFixed(0).padStart(5), 'test', tt.toFixed(0).padStart(5));
}
