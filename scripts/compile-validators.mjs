#!/usr/bin/env node
/**
 * Precompiles the validators of every shipped Kubernetes and Istio kind with ajv's standalone code
 * generation (part of `npm run build`), into dist/schemas/validators/*.cjs with an index in
 * dist/schemas/validators.cjs. Compiling them at run time costs ~60 ms per kind family (a Deployment pulls
 * in ~150 types); loading them precompiled costs one module load per group met.
 * The module records a hash of its inputs: src/model/schema/registry.ts ignores a stale one and compiles
 * at run time instead, as it does when the file is missing (tests run from a clean tree).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, SCHEMA_FILES, bundleHash, readBundles } from './schema-bundles.mjs';

const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;
const ROOT = path.resolve(import.meta.dirname, '..');
const INDEX = path.join(ROOT, 'dist/schemas/validators.cjs');
const GROUPS_DIR = path.join(ROOT, 'dist/schemas/validators');

const started = performance.now();
const { kubernetes, istio } = readBundles(ROOT);
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, optimize: 1 } });
ajv.addSchema({ $id: 'k8s', $defs: kubernetes.$defs });

/** The Kubernetes types a type refers to, transitively (`#/$defs/<name>` references). */
function closure(model) {
  const seen = new Set();
  const pending = [model];
  while (pending.length > 0) {
    const name = pending.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    for (const match of JSON.stringify(kubernetes.$defs[name] ?? {}).matchAll(/"#\/\$defs\/([^"]+)"/g)) pending.push(match[1]);
  }
  return seen;
}

/**
 * Validators are written in groups a run loads only when it meets one of their kinds: the pod-bearing
 * kinds share one file (they all embed the large PodSpec), every other kind has its own. A run then pays
 * for the kinds it contains, not for all 124 (a warm re-run after one edit loads a few).
 * Export names must be identifiers: `v0`, `v1`, ...; `index` maps the registry's keys to them, `files`
 * the names to their group.
 */
const index = {};
const files = {};
const groups = new Map();
let n = 0;
const add = (key, name, group, schemaKey = name) => {
  index[key] = name;
  files[name] = group;
  if (!groups.has(group)) groups.set(group, {});
  groups.get(group)[name] = schemaKey;
};
for (const [gvk, entry] of Object.entries(kubernetes.kinds)) {
  const name = `v${n++}`;
  ajv.addSchema({ $id: name, $ref: `k8s#/$defs/${entry.model}` });
  add(`k8s:${gvk}`, name, closure(entry.model).has('V1PodSpec') ? 'workloads' : name);
}
for (const [key, schema] of Object.entries(istio.$defs)) {
  const name = `v${n++}`;
  ajv.addSchema({ ...schema, $id: name });
  add(`istio:${key}`, name, name);
}
/**
 * The definitions converted CRD schemas point at (src/model/schema/crd.ts), which the CRD interpreter calls as
 * ajv would: compiling ObjectMeta at run time meant loading ajv and ~45 ms in every run that met a CRD.
 */
for (const ref of ['k8s#/$defs/V1ObjectMeta']) add(`ref:${ref}`, `v${n++}`, 'refs', ref);

rmSync(GROUPS_DIR, { recursive: true, force: true });
mkdirSync(GROUPS_DIR, { recursive: true });
let bytes = 0;
for (const [group, exportNames] of groups) {
  const code = standaloneCode(ajv, exportNames);
  bytes += code.length;
  writeFileSync(path.join(GROUPS_DIR, `${group}.cjs`), code);
}
writeFileSync(INDEX, `exports.meta = ${JSON.stringify({ hash: bundleHash(ROOT), index, files })};\n`);
console.log(
  `precompiled ${n} validators from ${SCHEMA_FILES.join(', ')} into ${groups.size} files under ${path.relative(ROOT, GROUPS_DIR)} ` +
    `(${(bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
