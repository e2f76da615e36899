import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { loadWorkspace } from '../src/load/index.js';
import { Inventory } from '../src/model/inventory.js';
import { inputBytes, policyDataBytes } from '../src/policy/inventory-data.js';
import { inputOf } from '../src/policy/adapter.js';
import { instantiate } from '../src/policy/compile.js';
const { resources } = await loadWorkspace(['.'], '/tmp/mg-bench-fixed', DEFAULT_CONFIG);
const inv = new Inventory(resources);
const m = JSON.parse(readFileSync('dist/policies/guardrails.json', 'utf8'));
for (const mod of m.modules) {
  const p = await instantiate({ wasm: new Uint8Array(readFileSync('dist/policies/' + mod.file)), memoryPages: mod.memoryPages });
  const g = mod.groups[0];
  p.setData(policyDataBytes(inv, DEFAULT_CONFIG.mesh, g.inventoryKinds ? new Set(g.inventoryKinds) : undefined));
  const kinds = g.meta.appliesTo.kinds;
  const rs = resources.filter((r) => !kinds || kinds.includes(r.kind));
  const run = () => { for (const r of rs) for (const e of g.entrypoints) p.evaluate(inputBytes(inputOf(r)), e.entrypoint); };
  run(); run();
  const t = performance.now(); for (let k = 0; k < 5; k++) run();
  console.log(g.entrypoints[0].entrypoint.padEnd(55), rs.length, (((performance.now() - t) / 5)).toFixed(1), 'ms');
}
