import { readFileSync } from 'node:fs';
import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
const lib = ['policies/lib/workload.rego', 'policies/lib/injection.rego'].map((p) => ({ path: p, source: readFileSync(p, 'utf8') }));
const blocks = readFileSync('policies/mesh/job_sidecar_termination.rego', 'utf8').split(/\n\n/);
let kept: string[] = [];
let pending = [...blocks];
for (let pass = 0; pass < 6; pass++) {
const still: string[] = [];
for (const b of pending) {
  const trial = [...kept, b];
  try {
    const c = await compilePolicyDetailed([...lib, { path: 'j.rego', source: trial.join('\n\n') }], { entrypoints: ['meshguard/mesh/job_sidecar_termination/owned'] });
    const p = await loadPolicy(c.wasm.slice().buffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
    const ok = Object.keys(p.entrypoints).length > 0;
    if (!ok) { console.log('BREAKS AT:\n' + b); break; }
    kept = trial;
  } catch (e) { still.push(b); }
}
pending = still;
}
console.log('never compiled:', pending.map(b => b.slice(0, 80)));
console.log('kept', kept.length, 'of', blocks.length);
