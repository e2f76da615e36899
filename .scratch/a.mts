import { compilePolicyDetailed, evaluateCompiled } from '../src/rego/index.js';
const src = `# METADATA
# title: Test
# custom:
#   id: foo
package main
import rego.v1

deny contains msg if {
  input.kind == "Pod"
  msg := sprintf("pod %v bad", [input.metadata.name])
}
violation contains {"msg": "x", "path": ["metadata", "name"]} if { input.kind == "Pod" }
warn contains "w" if { regex.match("^a", input.metadata.name) }
exception contains rules if { rules := ["x"] }
`;
const t0 = performance.now();
const c = await compilePolicyDetailed([{ path: 'a.rego', source: src }], { entrypoints: ['main/deny', 'main/violation', 'main/warn', 'main/exception'] });
console.log(performance.now() - t0, c.entrypoints, c.builtins, c.modules[0]!.comments, JSON.stringify(c.modules[0]!.rules.map(r => r.head.ref)).slice(0, 400));
console.log(JSON.stringify(await evaluateCompiled(c, 'main/deny', { input: { kind: 'Pod', metadata: { name: 'abc' } } })));
console.log(JSON.stringify(await evaluateCompiled(c, 'main/warn', { input: { kind: 'Pod', metadata: { name: 'abc' } } })));
console.log(JSON.stringify(await evaluateCompiled(c, 'main/violation', { input: { kind: 'Pod', metadata: { name: 'abc' } } })));
