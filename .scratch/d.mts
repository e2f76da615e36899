import { shippedPolicyRules } from '../src/policy/index.js';
import { readFileSync } from 'node:fs';
import { instantiate } from '../src/policy/compile.js';
const m = JSON.parse(readFileSync('dist/policies/guardrails.json', 'utf8'));
const p = await instantiate({ wasm: new Uint8Array(readFileSync('dist/policies/guardrails.wasm')), memoryPages: m.memoryPages });
console.log(p.entrypoints, m.groups.map((g: any) => g.entrypoints));
