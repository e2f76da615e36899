import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateTree } from '../src/bench/generate.js';
import { DEFAULT_CONFIG } from '../src/config/types.js';
import { loadWorkspace } from '../src/load/index.js';
import { Inventory } from '../src/model/inventory.js';
import { policyDataBytes, inputBytes } from '../src/policy/inventory-data.js';
import { inputOf } from '../src/policy/adapter.js';
import { readFileSync } from 'node:fs';
import { instantiate } from '../src/policy/compile.js';
const dir = '/tmp/mg-bench-fixed';
if (!existsSync(dir)) await generateTree(dir, { namespaces: 20, services: 200, cronJobs: 40, externalServices: 10, seed: 42 });
const { resources } = await loadWorkspace(['.'], dir, DEFAULT_CONFIG);
const inv = new Inventory(resources);
let t = performance.now();
const bytes = policyDataBytes(inv, DEFAULT_CONFIG.mesh);
console.log('data bytes', bytes.byteLength, 'build ms', performance.now() - t);
const m = JSON.parse(readFileSync('dist/policies/guardrails.json', 'utf8'));
const p = await instantiate({ wasm: new Uint8Array(readFileSync('dist/policies/' + m.modules[1].file)), memoryPages: 2 });
t = performance.now(); p.setData(bytes); console.log('setData ms', performance.now() - t);
t = performance.now(); p.setData(bytes); console.log('setData ms', performance.now() - t);
const jobs = resources.filter((r) => r.kind === 'CronJob' || r.kind === 'Job');
const ep = m.modules[1].groups[0].entrypoints[0].entrypoint;
for (let k = 0; k < 3; k++) {
t = performance.now();
for (const r of jobs) p.evaluate(inputBytes(inputOf(r)), ep);
console.log('eval', jobs.length, 'jobs ms', performance.now() - t);
}
const p0 = await instantiate({ wasm: new Uint8Array(readFileSync('dist/policies/' + m.modules[0].file)), memoryPages: 2 });
p0.setData(bytes);
const pods = resources.filter((r) => ['Namespace','Deployment','Pod','StatefulSet','Job','CronJob'].includes(r.kind));
for (let k = 0; k < 3; k++) {
t = performance.now();
for (const r of pods) p0.evaluate(inputBytes(inputOf(r)), m.modules[0].groups[0].entrypoints[0].entrypoint);
console.log('eval injection', pods.length, 'ms', performance.now() - t);
}
