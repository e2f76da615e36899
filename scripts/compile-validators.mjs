#!/usr/bin/env node
/**
 * Precompiles the validators of every shipped Kubernetes and Istio kind with ajv's standalone code
 * generation (part of `npm run build`), into dist/schemas/validators.cjs. Compiling them at run time costs
 * ~60 ms per kind family (a Deployment pulls in ~150 types); loading them precompiled costs one module load.
 * The module records a hash of its inputs: src/model/schema/registry.ts ignores a stale one and compiles
 * at run time instead, as it does when the file is missing (tests run from a clean tree).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, SCHEMA_FILES, bundleHash, readBundles } from './schema-bundles.mjs';

const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;
const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist/schemas/validators.cjs');

const started = performance.now();
const { kubernetes, istio } = readBundles(ROOT);
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, optimize: 1 } });
ajv.addSchema({ $id: 'k8s', $defs: kubernetes.$defs });

/** Export names must be identifiers: `v0`, `v1`, ...; `index` maps the registry's keys to them. */
const index = {};
const exportNames = {};
let n = 0;
for (const [gvk, entry] of Object.entries(kubernetes.kinds)) {
  const name = `v${n++}`;
  ajv.addSchema({ $id: name, $ref: `k8s#/$defs/${entry.model}` });
  index[`k8s:${gvk}`] = name;
  exportNames[name] = name;
}
for (const [key, schema] of Object.entries(istio.$defs)) {
  const name = `v${n++}`;
  ajv.addSchema({ ...schema, $id: name });
  index[`istio:${key}`] = name;
  exportNames[name] = name;
}

const code = `${standaloneCode(ajv, exportNames)}\nexports.meta = ${JSON.stringify({ hash: bundleHash(ROOT), index })};\n`;
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, code);
console.log(
  `precompiled ${n} validators from ${SCHEMA_FILES.join(', ')} into ${path.relative(ROOT, OUT)} ` +
    `(${(code.length / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
