import { RE2JS } from 're2js';
const [p, n, op] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const a = 'a'.repeat(n) + '!';
const re = RE2JS.compile(p);
const s = performance.now();
if (op === 'exec') re.exec(a); else if (op === 'test') re.test(a); else [...re.matchAll(a)];
console.log(p, n, op, 'prog', re.matcher('').programSize(), (performance.now()-s).toFixed(1));
