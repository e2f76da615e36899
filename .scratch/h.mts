import { readFileSync } from 'node:fs';
import { compilePolicyDetailed, hostBuiltins } from '../src/rego/index.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
async function t(files: string[], ep: string, extraSrc?: string) {
  const src = files.map((p) => ({ path: p, source: readFileSync(p, 'utf8') }));
  if (extraSrc) src.push({ path: 'x.rego', source: extraSrc });
  try {
    const c = await compilePolicyDetailed(src, { entrypoints: [ep] });
    const p = await loadPolicy(c.wasm.slice().buffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
    console.log(ep, JSON.stringify(p.entrypoints), c.wasm.length);
  } catch (e) { console.log(ep, 'ERR', String(e).slice(0, 300)); }
}
await t(['policies/lib/workload.rego'], 'meshguard/lib/workload/template_paths');
await t(['policies/lib/workload.rego', 'policies/lib/injection.rego'], 'meshguard/lib/workload/template_paths');
await t(['policies/lib/workload.rego', 'policies/lib/injection.rego'], 'meshguard/lib/injection/mesh');
await t(['policies/lib/workload.rego'], 'x/p', 'package x\nimport rego.v1\nimport data.meshguard.lib.workload\np := workload.pod_template(input)');
