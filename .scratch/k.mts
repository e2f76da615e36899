import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
const n = 120;
const rules = Array.from({ length: n }, (_, i) => `q${i} := "${String(i).padStart(3, '0')}${'z'.repeat(240)}"`).join('\n');
const c = await compilePolicyDetailed([{ path: 'a.rego', source: `package a\nimport rego.v1\n${rules}\np := 1\n` }], { entrypoints: ['a/p'] });
for (const init of [3, 4, 5, 8]) {
  try { const p = await loadPolicy(c.wasm.slice().buffer, { initial: init }, hostBuiltins()); console.log(init, JSON.stringify(p.entrypoints)); } catch (e) { console.log(init, 'ERR', String(e).slice(0, 100)); }
}
const mem = new Uint8Array(c.wasm);
