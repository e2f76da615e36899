import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
for (const n of [100, 110, 120, 200]) {
const rules = Array.from({ length: n }, (_, i) => `q${i} := "${String(i).padStart(3, '0')}${'z'.repeat(240)}"`).join('\n');
const c = await compilePolicyDetailed([{ path: 'a.rego', source: `package a\nimport rego.v1\n${rules}\np := 1\n` }], { entrypoints: ['a/p'] });
const p = await loadPolicy(c.wasm.slice().buffer, { initial: 5 }, hostBuiltins());
const ex = (p as any).wasmInstance.exports;
console.log(n, c.memoryPages, JSON.stringify(p.entrypoints), 'heap', ex.opa_heap_ptr_get(), 'mem', (p as any).mem.buffer.byteLength);
}
