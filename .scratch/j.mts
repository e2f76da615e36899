import { compilePolicyDetailed } from '../src/rego/index.js';
import { runtimeWasm } from '../src/rego/link.js';
const rt = runtimeWasm().length;
for (const n of [0, 80, 100, 110, 120]) {
  const rules = Array.from({ length: n }, (_, i) => `q${i} := "${String(i).padStart(3, '0')}${'z'.repeat(240)}"`).join('\n');
  const c = await compilePolicyDetailed([{ path: 'a.rego', source: `package a\nimport rego.v1\n${rules}\np := 1\n` }], { entrypoints: ['a/p'] });
  console.log(n, c.wasm.length - rt, c.memoryPages);
}
