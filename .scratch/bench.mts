import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateTree } from '../src/bench/generate.js';
import { measureRegoCost } from '../src/bench/rego-cost.js';
const dir = mkdtempSync(path.join(tmpdir(), 'mg-bench-'));
await generateTree(dir, { namespaces: 20, services: 200, cronJobs: 40, externalServices: 10, seed: 42 });
console.log(await measureRegoCost(dir));
