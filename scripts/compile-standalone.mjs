#!/usr/bin/env node
/**
 * Writes the configuration and GitLab CI validators with ajv's standalone code generation (part of
 * `npm run build`, after TypeScript: the list, the options and the input hash come from the compiled
 * src/model/schema/standalone.ts, so build and run time cannot disagree on them).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { STANDALONE_SCHEMAS, standaloneInputHash, standaloneModuleUrl } = await import(path.join(ROOT, 'dist/model/schema/standalone.js'));
const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;

const started = performance.now();
for (const [name, { schema, options }] of Object.entries(STANDALONE_SCHEMAS)) {
  const schemaText = readFileSync(path.join(ROOT, schema), 'utf8');
  const ajv = new Ajv({ ...options, code: { source: true, optimize: 1 } });
  ajv.addSchema(JSON.parse(schemaText), 'validate');
  const code = `${standaloneCode(ajv, { validate: 'validate' })}\nexports.inputHash = ${JSON.stringify(standaloneInputHash(name, schemaText))};\n`;
  const out = fileURLToPath(standaloneModuleUrl(name));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
}
console.log(`precompiled ${Object.keys(STANDALONE_SCHEMAS).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
