import { parseModule } from '../src/rego/index.js';
const m = parseModule('x.rego', `package a.b
violation[{"msg": msg}] { msg := "x" }
deny_foo[msg] { msg := "y" }
exception[rules] { rules := ["foo"] }
`, { v0: true });
console.log(JSON.stringify(m.rules.map(r => ({ ref: r.head.ref.map(t => t.type === 'var' ? t.name : t.type), key: r.head.key?.type, v0Set: r.v0Set, contains: r.head.contains })) ), m.package);
