import { existsSync } from 'node:fs';
import { generateTree, PLATFORM_SCALE } from '../src/bench/generate.js';
import { measureRegoCost } from '../src/bench/rego-cost.js';
const small = '/tmp/mg-bench-fixed';
if (!existsSync(small)) await generateTree(small, { namespaces: 20, services: 200, cronJobs: 40, externalServices: 10, seed: 42 });
console.log('small', await measureRegoCost(small));
const big = '/tmp/mg-bench-platform';
if (!existsSync(big)) await generateTree(big, PLATFORM_SCALE);
console.log('platform', await measureRegoCost(big));
