import { readFileSync } from 'node:fs';
import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
const lib = ['policies/lib/workload.rego', 'policies/lib/injection.rego'].map((p) => ({ path: p, source: readFileSync(p, 'utf8') }));
let k = 0;
const full = readFileSync('policies/mesh/job_sidecar_termination.rego', 'utf8').replace(/deny contains/g, () => `x${k++} contains`);
const extra = process.argv[2] ? process.argv[2].split(',') : [];
for (const name of [...Array.from({ length: k }, (_, i) => `x${i}`), ...extra]) {
  try {
    const c = await compilePolicyDetailed([...lib, { path: 'j.rego', source: full }], { entrypoints: ['meshguard/mesh/job_sidecar_termination/' + name] });
    const p = await loadPolicy(c.wasm.slice().buffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
    console.log(name, JSON.stringify(p.entrypoints));
  } catch (e) { console.log(name, 'ERR', String(e).slice(0, 300)); }
}
