/**
 * What the build-time precompiler and the run-time registry must agree on: the schema files, the ajv
 * options and the hash that tells a precompiled module is current. Plain JS so that both the build
 * scripts and src/model/schema/registry.ts (through its own copy of the constants) can use it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const SCHEMA_FILES = ['schemas/kubernetes/v1.36.json', 'schemas/istio/v1.29.json'];

/** Keep equal to AJV_OPTIONS in src/model/schema/registry.ts (a test compares them). */
export const AJV_OPTIONS = { strict: false, allErrors: true, verbose: true, validateFormats: false };

export function readBundles(root) {
  const [kubernetes, istio] = SCHEMA_FILES.map((file) => JSON.parse(readFileSync(path.join(root, file), 'utf8')));
  return { kubernetes, istio };
}

/** Hash of the schema files, the ajv version and options: any change makes a precompiled module stale. */
export function bundleHash(root) {
  const hash = createHash('sha256');
  for (const file of SCHEMA_FILES) hash.update(readFileSync(path.join(root, file)));
  hash.update(createRequire(path.join(root, 'package.json'))('ajv/package.json').version);
  hash.update(JSON.stringify(AJV_OPTIONS));
  return hash.digest('hex').slice(0, 16);
}
