import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packagePath } from '../assets.js';
import { discoverFiles } from '../load/discover.js';
import { compilePolicyDetailed, type PolicySource } from '../rego/index.js';
import { RULE_DOCS_BASE } from '../rules/docs.js';
import type { Rule } from '../rules/rule.js';
import { mergeRulesById, PolicyRuntime, ruleFromGroup } from './adapter.js';
import { assertEntrypoints, cacheKey, policyError, PolicyError, declaredMemoryPages, instantiate, instantiateSync, parseRego, readCache, writeCache, type CompiledModule } from './compile.js';
import { mergeAt, readOpaBundle, type OpaBundle } from './bundle.js';
import { loadDataDocuments } from './data-files.js';
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
  /** conftest `-d`/`--data`: JSON/YAML files and directories whose documents the policies see under `data`. */
  data?: readonly string[];
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

/**
 * A set of Rego policies compiled into one module, with one query returning the value of every
 * entrypoint its rules read, as an array in the order of `members` (see compileCombined).
 */
export interface CompiledPolicySet {
  module: CompiledModule;
  groups: RuleGroupSpec[];
  query: string;
  members: string[];
}

/** Bumped when the cached form of a compiled set changes. */
const CACHE_FORMAT = 2;

/** Compile (or fetch from the cache) the user's Rego sources into one combined module. */
export async function compileRegoPolicies(sources: PolicySource[], options: ConventionOptions, cacheDir: string | undefined): Promise<CompiledPolicySet | undefined> {
  const key = cacheKey({ format: CACHE_FORMAT, sources, namespaces: options.namespaces, combine: options.combine, help: options.defaultHelpUri('{id}') });
  const cached = readCache<{ groups: RuleGroupSpec[]; query: string; members: string[] } | null>(cacheDir, key);
  if (cached) return cached.extra ? { module: cached.module, ...cached.extra } : undefined;
  const set = await compileCombined(sources, options);
  writeCache(cacheDir, key, set?.module ?? { wasm: new Uint8Array(), memoryPages: 0 }, set ? { groups: set.groups, query: set.query, members: set.members } : null);
  return set;
}

/**
 * The rules of the user's policies (`policies:` in .meshguard.yaml, `--policy`): every `.rego` file
 * compiled together into one module (like conftest, packages may import each other), each `.wasm`
 * module on its own. Test files (`*_test.rego`) are left to `meshguard policy test`.
 */
export async function loadPolicyRules(options: PolicyOptions): Promise<Rule[]> {
  if (options.patterns.length === 0) return [];
  const files = await discoverFiles(options.patterns, { root: options.root, include: ['**/*.rego', '**/*.wasm', '**/*.tar.gz'], exclude: ['**/*_test.rego'] });
  const conventions = conventionOptions(options);
  const cacheDir = options.cacheDir === false ? undefined : options.cacheDir;
  const rules: Rule[] = [];
  const data = options.data && options.data.length > 0 ? await loadDataDocuments(options.data, options.root) : undefined;
  const rego = files.filter((f) => f.path.endsWith('.rego') && !f.path.endsWith('_test.rego'));
  if (rego.length > 0) {
    const sources = await Promise.all(rego.map(async (f) => ({ path: f.path, source: await readFile(f.absPath, 'utf8') })));
    let set: CompiledPolicySet | undefined;
    try {
      set = await compileRegoPolicies(sources, conventions, cacheDir);
    } catch (error) {
      throw policyError(error, 'cannot compile the Rego policies');
    }
    if (set) {
      const label = rego.map((f) => f.path).join(', ');
      const policy = await instantiate(set.module);
      assertEntrypoints(policy, [set.query], label);
      const runtime = new PolicyRuntime(policy, label, set.groups, { query: set.query, members: set.members }, data);
      rules.push(...set.groups.map((g) => ruleFromGroup(g, runtime)));
    }
  }
  for (const file of files.filter((f) => f.path.endsWith('.wasm'))) {
    const wasm = new Uint8Array(await readFile(file.absPath));
    // `meshguard policy build` output may have a manifest beside it; `opa build -t wasm` output has only entrypoint names.
    const manifest = readManifest(file.absPath.replace(/\.wasm$/, '.json'));
    const module = { wasm, memoryPages: manifest?.memoryPages ?? declaredMemoryPages(wasm) };
    const policy = await instantiate(module).catch((error: unknown) => {
      throw policyError(error, `cannot load ${file.path}`);
    });
    const names = Object.keys((policy.entrypoints ?? {}) as Record<string, number>);
    const groups = manifest?.groups ?? ruleGroupsOfEntrypoints(names, conventions);
    const runtime = new PolicyRuntime(policy, file.path, groups, undefined, data);
    rules.push(...groups.map((g) => ruleFromGroup(g, runtime)));
  }
  for (const file of files.filter((f) => f.path.endsWith('.tar.gz'))) rules.push(...(await bundleRules(file.absPath, file.path, conventions, data)));
  return mergeRulesById(rules);
}

/** An OPA bundle (`opa build -t wasm`): each wasm module it holds, with the bundle's data under `data`. */
async function bundleRules(absPath: string, label: string, conventions: ConventionOptions, data: Record<string, unknown> | undefined): Promise<Rule[]> {
  let bundle: OpaBundle;
  try {
    bundle = readOpaBundle(new Uint8Array(await readFile(absPath)));
  } catch (error) {
    throw policyError(error, `cannot read the bundle ${label}`);
  }
  if (bundle.modules.length === 0) throw new PolicyError(`${label}: the bundle holds no wasm module (build it with \`opa build -t wasm\`)`);
  const rules: Rule[] = [];
  for (const module of bundle.modules) {
    const where = `${label}:${module.path}`;
    const policy = await instantiate({ wasm: module.wasm, memoryPages: declaredMemoryPages(module.wasm) }).catch((error: unknown) => {
      throw policyError(error, `cannot load ${where}`);
    });
    const groups = ruleGroupsOfEntrypoints(Object.keys((policy.entrypoints ?? {}) as Record<string, number>), conventions);
    const runtime = new PolicyRuntime(policy, where, groups, undefined, data ? mergeAt(bundle.data, [], data) : bundle.data);
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

/** dist/policies/guardrails.json: the module holding every shipped guardrail and the rules it serves. */
export interface BundleManifest {
  /**
   * `query`: the module's single query returning every entrypoint's value at once, as an array in
   * the order of `members` (see compileCombined).
   */
  modules: { file: string; memoryPages: number; groups: RuleGroupSpec[]; query?: string; members?: string[] }[];
}

/** The query name and result variable of a combined module. */
export const COMBINED_QUERY = 'meshguard_all';
const COMBINED_VAR = 'meshguard_all';
/** The generated package that picks, per input kind, the rules to evaluate (see dispatchModule). */
const DISPATCH_PACKAGE = 'meshguard_dispatch';

/**
 * A set of policies as one module with one query returning every entrypoint's value: a resource is
 * copied into wasm, parsed and evaluated once for all the rules, and what they share (a pod
 * template, the injection decision) is computed once. Test files are left out.
 */
async function compileCombined(sources: PolicySource[], options: ConventionOptions): Promise<CompiledPolicySet | undefined> {
  const { modules, v0 } = parseRego(sources);
  const { groups } = ruleGroupsOf(modules, options);
  if (groups.length === 0) return undefined;
  // Code-unit order: the same on every machine, whatever its locale.
  const sorted = [...groups].sort((a, b) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0));
  const dispatch = dispatchModule(sorted);
  const compiled = await compilePolicyDetailed([...sources, { path: `${DISPATCH_PACKAGE}.rego`, source: dispatch.source }], {
    entrypoints: [],
    queries: [{ name: COMBINED_QUERY, query: `${COMBINED_VAR} := data.${DISPATCH_PACKAGE}.results` }],
    v0,
  });
  return { module: { wasm: compiled.wasm, memoryPages: compiled.memoryPages }, groups: sorted, query: COMBINED_QUERY, members: dispatch.members };
}

/**
 * Rego for the combined query: an array with, per member (each group's entrypoints, then its conftest
 * exception rule), `[value]` or `[]` when the rule is undefined for this input. A group whose rule
 * does not apply to the input's kind contributes `[]`s without being evaluated, as the engine never
 * asks a TypeScript rule about kinds outside its `appliesTo`.
 */
function dispatchModule(groups: readonly RuleGroupSpec[]): { source: string; members: string[] } {
  const lines = [`package ${DISPATCH_PACKAGE}`, '', 'import rego.v1', ''];
  const parts: string[] = [];
  const members: string[] = [];
  groups.forEach((group, i) => {
    const own = [...group.entrypoints.map((e) => e.entrypoint), ...(group.exceptionEntrypoint ? [group.exceptionEntrypoint] : [])];
    members.push(...own);
    const values = own.map((e) => `[x | x := data${e.split('/').map(refPart).join('')}]`);
    const kinds = group.meta.appliesTo.kinds;
    // --combine: `input` is every document at once, which has no kind.
    if (kinds && kinds.length > 0 && !group.combine) {
      lines.push(`kinds_${i} := {${kinds.map((k) => JSON.stringify(k)).join(', ')}}`, '');
      lines.push(`group_${i} := [${values.join(', ')}] if {`, `\tkinds_${i}[input.kind]`, `} else := [${values.map(() => '[]').join(', ')}]`, '');
    } else {
      lines.push(`group_${i} := [${values.join(', ')}]`, '');
    }
    parts.push(`group_${i}`);
  });
  const concat = parts.reduce((acc, part) => (acc === '' ? part : `array.concat(${acc}, ${part})`), '');
  lines.push(`results := ${concat}`);
  return { source: `${lines.join('\n')}\n`, members };
}

/** A path segment of a data reference: `.name` when it is an identifier, else `["name"]`. */
function refPart(segment: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
}

function shippedManifestPath(): string | undefined {
  // Tests running from src/ use the built copy too.
  const file = packagePath(`dist/policies/${SHIPPED_BUNDLE}.json`);
  return existsSync(file) ? file : undefined;
}

let shipped: readonly Rule[] | undefined;

/**
 * The mesh guardrails written in Rego (policies/), as rules. Synchronous and memoised: the modules are
 * instantiated once per process, so `meshguard rules`, every check and the webhook share them.
 */
export function shippedPolicyRules(): readonly Rule[] {
  if (shipped) return shipped;
  const manifestFile = shippedManifestPath();
  if (!manifestFile) throw new Error(`the compiled guardrail policies (dist/policies/${SHIPPED_BUNDLE}.json) are missing: run \`npm run build\``);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
  shipped = mergeRulesById(manifest.modules.flatMap((m) => {
    // Instantiated on first evaluation: runs that replay cached results (or never see a matching kind) skip it.
    const instantiateModule = () => {
      const wasm = new Uint8Array(readFileSync(path.join(path.dirname(manifestFile), m.file)));
      const policy = instantiateSync({ wasm, memoryPages: m.memoryPages });
      assertEntrypoints(policy, m.query ? [m.query] : m.groups.flatMap((g) => g.entrypoints.map((e) => e.entrypoint)), m.file);
      return policy;
    };
    const combined = m.query && m.members ? { query: m.query, members: m.members } : undefined;
    const runtime = new PolicyRuntime(instantiateModule, `meshguard guardrails (${m.file})`, m.groups, combined);
    return m.groups.map((g) => ruleFromGroup(g, runtime));
  }));
  return shipped;
}

/** Build the shipped bundle: used by scripts/build-policies.mjs at package build time. */
export async function buildPolicyBundle(dir: string, outDir: string): Promise<BundleManifest> {
  const files = (await discoverFiles([dir], { root: dir, include: ['**/*.rego'], exclude: ['**/*_test.rego'] })).filter((f) => !f.path.endsWith('_test.rego'));
  const sources = await Promise.all(files.map(async (f) => ({ path: path.posix.join(path.basename(dir), f.path), source: await readFile(f.absPath, 'utf8') })));
  const set = await compileCombined(sources, conventionOptions({ namespaces: [] }, (id) => `${RULE_DOCS_BASE}/${id}.md`));
  const units = set ? [set] : [];
  const { mkdir, readdir, rm, writeFile } = await import('node:fs/promises');
  await mkdir(outDir, { recursive: true });
  // Modules of an earlier build that no longer exist would ship as dead weight.
  for (const stale of (await readdir(outDir)).filter((f) => f.startsWith(`${SHIPPED_BUNDLE}`))) await rm(path.join(outDir, stale));
  const manifest: BundleManifest = { modules: [] };
  for (const [i, unit] of units.entries()) {
    const file = `${SHIPPED_BUNDLE}-${i}.wasm`;
    // Fail the build, not the first run, when a module comes out unusable.
    assertEntrypoints(await instantiate(unit.module), [unit.query], file);
    await writeFile(path.join(outDir, file), unit.module.wasm);
    manifest.modules.push({ file, memoryPages: unit.module.memoryPages, groups: unit.groups, query: unit.query, members: unit.members });
  }
  await writeFile(path.join(outDir, `${SHIPPED_BUNDLE}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a `meshguard policy build` output: the rule groups its entrypoints serve (undefined if none). */
export async function writeBuildManifest(paths: string[], entrypoints: string[], output: string): Promise<string | undefined> {
  const { collectRegoFiles } = await import('../rego/cli.js');
  const { modules } = parseRego(collectRegoFiles(paths).filter((s) => !s.path.endsWith('_test.rego')));
  const built = new Set(entrypoints);
  const groups = ruleGroupsOf(modules, conventionOptions({ namespaces: ['*'] }))
    .groups.map((g) => ({ ...g, entrypoints: g.entrypoints.filter((e) => built.has(e.entrypoint)) }))
    .filter((g) => g.entrypoints.length > 0)
    .map((g) => (g.exceptionEntrypoint && !built.has(g.exceptionEntrypoint) ? { ...g, exceptionEntrypoint: undefined } : g) as RuleGroupSpec);
  if (groups.length === 0) return undefined;
  const file = output.replace(/\.wasm$/, '') + '.json';
  const { writeFile } = await import('node:fs/promises');
  const wasm = new Uint8Array(await readFile(output));
  const manifest: PolicyManifest = { memoryPages: declaredMemoryPages(wasm), groups };
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}
