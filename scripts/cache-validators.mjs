#!/usr/bin/env node
/**
 * V8 code caches for the precompiled validator groups (part of `npm run build`, after the TypeScript step):
 * each group is loaded as the registry loads it (dist/model/schema/code-cache.js), its validators run on
 * an empty object and on every document of the fixtures, so that the functions a check compiles lazily
 * are compiled here, and the cache is written beside the group (`<group>.cjs.v8cache`). A run whose Node
 * rejects the cache compiles the source as before.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { readBundles } from './schema-bundles.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const GROUPS_DIR = path.join(ROOT, 'dist/schemas/validators');
const { loadValidatorGroup, writeCodeCache } = await import(path.join(ROOT, 'dist/model/schema/code-cache.js'));
const { meta } = createRequire(import.meta.url)(path.join(ROOT, 'dist/schemas/validators.cjs'));
const { kubernetes, istio } = readBundles(ROOT);

const started = performance.now();
function* yamlFiles(dir) {
  // A package built without the repository's fixtures still gets caches, warmed on empty objects only.
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* yamlFiles(file);
    else if (/\.ya?ml$/.test(name)) yield file;
  }
}
const documents = [];
for (const file of yamlFiles(path.join(ROOT, 'fixtures'))) {
  try {
    jsyaml.loadAll(readFileSync(file, 'utf8'), (doc) => documents.push(doc), { schema: jsyaml.CORE_SCHEMA });
  } catch {
    // Fixtures of malformed YAML are expected here.
  }
}
const keyOf = (doc) => {
  if (typeof doc?.apiVersion !== 'string' || typeof doc.kind !== 'string') return undefined;
  const gvk = `${doc.apiVersion}/${doc.kind}`;
  if (kubernetes.kinds[gvk]?.model) return `k8s:${gvk}`;
  const schema = istio.kinds[gvk]?.schema;
  return schema ? `istio:${schema}` : undefined;
};

const groups = new Map();
const group = (name) => {
  const file = path.join(GROUPS_DIR, `${meta.files[name]}.cjs`);
  if (!groups.has(file)) groups.set(file, loadValidatorGroup(file));
  return groups.get(file);
};
for (const name of Object.keys(meta.files)) group(name)[name]({});
let validated = 0;
// The CRD interpreter's ObjectMeta: every custom resource's metadata goes through it.
const refs = Object.keys(meta.index).filter((key) => key.startsWith('ref:')).map((key) => meta.index[key]);
for (const doc of documents) {
  if (doc?.metadata && typeof doc.metadata === 'object') for (const name of refs) group(name)[name](doc.metadata);
  const name = meta.index[keyOf(doc)];
  if (!name) continue;
  group(name)[name](doc);
  validated++;
}
let bytes = 0;
for (const file of groups.keys()) bytes += writeCodeCache(file);
console.log(
  `code caches for ${groups.size} validator groups (${(bytes / 1e6).toFixed(1)} MB), warmed on ${validated} fixture documents, ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
