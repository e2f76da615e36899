import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { packagePath, packageUrl } from '../../assets.js';

/**
 * JSON Schemas meshguard validates with at run time outside the Kubernetes/Istio registry: the
 * configuration file (every run that has one) and the GitLab CI keyword schema (every run with a CI
 * file). Compiling them costs ~25 and ~200-240 ms per process on the 2-core development machine, paid by
 * every pre-commit hook and every merge-request job, so `npm run build` writes them with ajv's standalone
 * code generation (scripts/compile-standalone.mjs) into dist/schemas/standalone/<name>.cjs. A module is
 * used only when it was generated from this schema text with these options by this ajv version;
 * otherwise (a clean tree in tests, an edited schema) the schema is compiled here as before.
 */
export const STANDALONE_SCHEMAS = {
  config: { schema: 'schemas/config.schema.json', options: { allErrors: true, strict: true } },
  'gitlab-ci': {
    // GitLab's own schema test compiles with the same leniency (strictTypes/strictTuples off, matching
    // properties allowed): `patternProperties` for hidden keys overlaps the job `additionalProperties`.
    schema: 'schemas/gitlab-ci.schema.json',
    options: { allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowMatchingProperties: true },
  },
} as const satisfies Record<string, { schema: string; options: Options }>;

export type StandaloneSchemaName = keyof typeof STANDALONE_SCHEMAS;

const require = createRequire(import.meta.url);

/** What a generated module must have been generated from: the schema's text, the options, ajv's version. */
export function standaloneInputHash(name: StandaloneSchemaName, schemaText: string): string {
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(`${ajvVersion}\u0000${JSON.stringify(STANDALONE_SCHEMAS[name].options)}\u0000${schemaText}`).digest('hex');
}

export function standaloneModuleUrl(name: StandaloneSchemaName): URL {
  return packageUrl(`dist/schemas/standalone/${name}.cjs`);
}

const validators = new Map<StandaloneSchemaName, ValidateFunction>();

/**
 * The validator of one of these schemas: the build's module when it matches, else compiled now.
 * @param usePrecompiled false always compiles (tests compare both paths).
 */
export function standaloneValidator(name: StandaloneSchemaName, usePrecompiled = true): ValidateFunction {
  const known = usePrecompiled ? validators.get(name) : undefined;
  if (known) return known;
  const schemaText = readFileSync(packagePath(STANDALONE_SCHEMAS[name].schema), 'utf8');
  let validate = usePrecompiled ? precompiled(name, schemaText) : undefined;
  validate ??= new Ajv(STANDALONE_SCHEMAS[name].options).compile(JSON.parse(schemaText) as object);
  if (usePrecompiled) validators.set(name, validate);
  return validate;
}

function precompiled(name: StandaloneSchemaName, schemaText: string): ValidateFunction | undefined {
  try {
    const generated = require(fileURLToPath(standaloneModuleUrl(name))) as { inputHash?: unknown; validate?: unknown };
    if (generated.inputHash === standaloneInputHash(name, schemaText) && typeof generated.validate === 'function') return generated.validate as ValidateFunction;
  } catch {
    // Not built (tests from a clean tree) or unreadable: compiled from the schema instead.
  }
  return undefined;
}
