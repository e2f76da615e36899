import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverFiles } from '../load/discover.js';
import type { PolicySource } from '../rego/index.js';
import { RULE_DOCS_BASE } from '../rules/docs.js';
import type { Rule } from '../rules/rule.js';
import { PolicyRuntime, ruleFromGroup } from './adapter.js';
import { cacheKey, compileModules, declaredMemoryPages, instantiate, instantiateSync, parseRego, readCache, writeCache, type CompiledModule } from './compile.js';
import { ruleGroupsOf, ruleGroupsOfEntrypoints, type ConventionOptions, type RuleGroupSpec } from './conventions.js';

export interface PolicyOptions {
  root: string;
  /** Files, directories and globs of `.rego` sources and precompiled `.wasm` modules. */
  patterns: readonly string[];
  /** conftest namespaces (default `main`; `*` for all). */
  namespaces?: readonly string[];
  /** conftest --combine: `input` is every resource at once. */
  combine?: boolean;
  /** Where compiled modules are cached; `false` disables the cache. */
  cacheDir?: string | false;
}

/** What a compiled policy set carries besides its wasm: the rules it defines. */
export interface PolicyManifest {
  memoryPages: number;
  groups: RuleGroupSpec[];
}

export const POLICY_DOCS_URI = RULE_DOCS_BASE.replace(/\/rules$/, '/policies.md');

export function conventionOptions(options: Pick<PolicyOptions, 'namespaces' | 'combine'>, helpUri: (id: string) => string = () => POLICY_DOCS_URI): ConventionOptions {
  return { namespaces: options.namespaces && options.namespaces.length > 0 ? options.namespaces : ['main'], combine: options.combine ?? false, defaultHelpUri: helpUri };
}

/** Compile (or fetch from the cache) a set of Rego sources into one module and its rule groups. */
export async function compileRegoPolicies(
  sources: PolicySource[],
  options: ConventionOptions,
  cacheDir: string | undefined,
): Promise<{ module: CompiledModule; groups: RuleGroupSpec[] }> {
  const key = cacheKey({ sources, namespaces: options.namespaces, combine: options.combine, help: options.defaultHelpUri('{id}') });
  const cached = readCache<RuleGroupSpec[]>(cacheDir, key);
  if (cached) return { module: cached.module, groups: cached.extra };
  const { modules, v0 } = parseRego(sources);
  const { groups, entrypoints } = ruleGroupsOf(modules, options);
  const module = await compileModules(sources, entrypoints, v0);
  writeCache(cacheDir, key, module, groups);
  return { module, groups };
}

/**
 * The rules of the user's policies (`policies:` in .meshguard.yaml, `--policy`): every `.rego` file
 * compiled together into one module (like conftest, packages may import each other), each `.wasm`
 * module on its own. Test files (`*_test.rego`) are left to `meshguard policy test`.
 */
export async function loadPolicyRules(options: PolicyOptions): Promise<Rule[]> {
  if (options.patterns.length === 0) return [];
  const files = await discoverFiles(options.patterns, { root: options.root, include: ['**/*.rego', '**/*.wasm'], exclude: ['**/*_test.rego'] });
  const conventions = conventionOptions(options);
  const cacheDir = options.cacheDir === false ? undefined : options.cacheDir;
  const rules: Rule[] = [];
  const rego = files.filter((f) => f.path.endsWith('.rego') && !f.path.endsWith('_test.rego'));
  if (rego.length > 0) {
    const sources = await Promise.all(rego.map(async (f) => ({ path: f.path, source: await readFile(f.absPath, 'utf8') })));
    const { module, groups } = await compileRegoPolicies(sources, conventions, cacheDir);
    const runtime = new PolicyRuntime(await instantiate(module), rego.map((f) => f.path).join(', '));
    rules.push(...groups.map((g) => ruleFromGroup(g, runtime)));
  }
  for (const file of files.filter((f) => f.path.endsWith('.wasm'))) {
    const wasm = new Uint8Array(await readFile(file.absPath));
    // `meshguard policy build` output may have a manifest beside it; `opa build -t wasm` output has only entrypoint names.
    const manifest = readManifest(file.absPath.replace(/\.wasm$/, '.json'));
    const module = { wasm, memoryPages: manifest?.memoryPages ?? declaredMemoryPages(wasm) };
    const runtime = new PolicyRuntime(await instantiate(module), file.path);
    const groups = manifest?.groups ?? ruleGroupsOfEntrypoints(runtime.entrypoints, conventions);
    rules.push(...groups.map((g) => ruleFromGroup(g, runtime)));
  }
  return rules;
}

function readManifest(file: string): PolicyManifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PolicyManifest>;
    return typeof parsed.memoryPages === 'number' && Array.isArray(parsed.groups) ? (parsed as PolicyManifest) : undefined;
  } catch {
    return undefined;
  }
}

/** The shipped guardrails, compiled by `npm run build` (scripts/build-policies.mjs) into dist/policies/. */
export const SHIPPED_BUNDLE = 'guardrails';

function shippedPaths(): { wasm: string; manifest: string } | undefined {
  // dist/policy/load.js -> dist/policies/; from src/ (tests), the built copy.
  for (const rel of [`../policies/${SHIPPED_BUNDLE}`, `../../dist/policies/${SHIPPED_BUNDLE}`]) {
    const base = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${base}.wasm`) && existsSync(`${base}.json`)) return { wasm: `${base}.wasm`, manifest: `${base}.json` };
  }
  return undefined;
}

let shipped: readonly Rule[] | undefined;

/**
 * The mesh guardrails written in Rego (policies/), as rules. Synchronous and memoised: the module is
 * instantiated once per process, so `meshguard rules`, every check and the webhook share it.
 */
export function shippedPolicyRules(): readonly Rule[] {
  if (shipped) return shipped;
  const paths = shippedPaths();
  if (!paths) throw new Error(`the compiled guardrail policies (dist/policies/${SHIPPED_BUNDLE}.wasm) are missing: run \`npm run build\``);
  const manifest = readManifest(paths.manifest);
  if (!manifest) throw new Error(`${paths.manifest} is not a policy manifest`);
  const runtime = new PolicyRuntime(instantiateSync({ wasm: new Uint8Array(readFileSync(paths.wasm)), memoryPages: manifest.memoryPages }), 'meshguard guardrails');
  shipped = manifest.groups.map((g) => ruleFromGroup(g, runtime));
  return shipped;
}

/** Build the shipped bundle: used by scripts/build-policies.mjs at package build time. */
export async function buildPolicyBundle(dir: string, outBase: string): Promise<PolicyManifest> {
  const files = (await discoverFiles([dir], { root: dir, include: ['**/*.rego'], exclude: ['**/*_test.rego'] })).filter((f) => !f.path.endsWith('_test.rego'));
  const sources = await Promise.all(files.map(async (f) => ({ path: path.posix.join(path.basename(dir), f.path), source: await readFile(f.absPath, 'utf8') })));
  const { modules, v0 } = parseRego(sources);
  const { groups, entrypoints } = ruleGroupsOf(modules, conventionOptions({ namespaces: [] }, (id) => `${RULE_DOCS_BASE}/${id}.md`));
  const module = await compileModules(sources, entrypoints, v0);
  const manifest: PolicyManifest = { memoryPages: module.memoryPages, groups };
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(path.dirname(outBase), { recursive: true });
  await writeFile(`${outBase}.wasm`, module.wasm);
  await writeFile(`${outBase}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
