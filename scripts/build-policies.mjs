// Compiles the shipped Rego guardrails (policies/) into dist/policies/guardrails.{wasm,json} at
// package build time, so `meshguard check` never compiles them at run time. Runs after tsc.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPolicyBundle, SHIPPED_BUNDLE } from '../dist/policy/load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const manifest = await buildPolicyBundle(path.join(root, 'policies'), path.join(root, 'dist', 'policies', SHIPPED_BUNDLE));
const ids = manifest.groups.map((g) => g.meta.id).join(', ');
console.log(`policies: compiled ${manifest.groups.length} rules (${ids}) in ${Math.round(performance.now() - started)} ms`);
