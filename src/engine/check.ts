import type { MeshguardConfig } from '../config/types.js';
import path from 'node:path';
import { familyOf, loadDiscovered, loadRevision, loadWorkspace, parseSourceText, readWorkspace, type LoadedWorkspace, type ReadWorkspace } from '../load/index.js';
import { rm } from 'node:fs/promises';
import { besideCacheFile } from '../load/cache-files.js';
import { CacheSigner } from '../load/cache-signing.js';
import { ParseCache } from '../load/parse-cache.js';
import { RuleResultCache } from './result-cache.js';
import { recordOfRun, RunRecord } from './run-record.js';
import { isKustomizationFile } from '../render/kustomization.js';
import { Inventory } from '../model/inventory.js';
import type { Finding, Resource, RuleMeta } from '../model/types.js';
import { ruleDocsUri } from '../rules/docs.js';
import { allRuleMetas } from '../rules/registry.js';
import type { Rule } from '../rules/rule.js';
import { INTERNAL_ERROR_RULE, type CheckedPair } from './evaluate.js';
import { diskTree, materializeTexts, renderWorkspace, textTree, type RenderedWorkspace } from '../render/index.js';
import { resourcesFromStdin } from '../render/stdin.js';
import { evaluateScopes, type EvaluationScope } from './scopes.js';
import { splitClusters } from './clusters.js';
import { resolveRuleSettings } from './settings.js';
import { appendAll } from '../model/arrays.js';

export interface CheckRequest {
  /** Repository root: paths in findings are relative to it. */
  root: string;
  /** Files, directories and globs to check. */
  inputs: readonly string[];
  config: MeshguardConfig;
  configFile?: string;
  /** The rules to run; the caller composes them (built-in, shipped policies), the engine only runs them. */
  rules: readonly Rule[];
  /**
   * More rules that depend on what was loaded (Rego policies, Gatekeeper templates among the resources),
   * asked for once the workspace is loaded and before evaluation, so rules themselves stay synchronous.
   */
  ruleProviders?: readonly RuleProvider[];
  /** ISO date used for waiver expiry; defaults to today (UTC). */
  today?: string;
  /** Report only findings located in these files (pre-commit); everything is still loaded for context. */
  only?: readonly string[];
  /** Merge-request mode: a git revision whose findings are not reported again (matched by fingerprint). */
  baseline?: string;
  /** Keep parsed documents between runs in this file (content-hash keyed); see ParseCache. */
  cacheFile?: string;
  /**
   * Sign cache entries with this secret and use only entries signed with it (MESHGUARD_CACHE_KEY):
   * without it, whoever can write the cache file can change what it says. See docs/security.md.
   */
  cacheSecret?: string;
  /**
   * Set when the rule providers' answer depends on nothing but the loaded resources and this (JSON) value:
   * a `--cache` run in which no parsed value changed may then replay the previous run whole (run-record.ts)
   * without asking them.
   */
  ruleProvidersKey?: unknown;
  /** Measure stages and rules (MESHGUARD_TIMING=1). */
  timing?: boolean;
  /** Told when the files are loaded and as resources are checked (the CLI's progress line). */
  onProgress?: (event: { stage: 'loaded' | 'rules'; done: number; total: number }) => void;
  /** Rendered YAML read from standard input (`meshguard check -`), and the directory its origin paths are relative to. */
  stdin?: { text: string; base?: string };
}

export type RuleProvider = (resources: readonly Resource[]) => Promise<readonly Rule[]>;

export interface CheckResult {
  findings: Finding[];
  /** Metadata of every rule that ran (for SARIF `rules[]` and JUnit suites). */
  rules: RuleMeta[];
  checked: CheckedPair[];
  files: string[];
  resources: number;
  durationMs: number;
  baseline?: BaselineComparison;
  /** Milliseconds per stage and per rule, when the request asked for them. */
  timings?: { stages: Record<string, number>; rules: Record<string, number> };
}

export interface BaselineComparison {
  ref: string;
  commit: string;
  new: number;
  fixed: number;
  unchanged: number;
}

export const ENGINE_RULES: readonly RuleMeta[] = [
  {
    id: INTERNAL_ERROR_RULE,
    title: 'A rule failed on a resource',
    description: 'A rule threw an error on this resource. The rest of the run went on; please report it with the resource.',
    severity: 'error',
    helpUri: ruleDocsUri(INTERNAL_ERROR_RULE),
    tags: ['meshguard'],
    appliesTo: { family: 'kubernetes' },
  },
];

/** Every rule a run knows: the given rules, the loader's and the engine's own (waivers and reporters name them). */
export function knownRuleMetas(rules: readonly Rule[]): RuleMeta[] {
  return [...allRuleMetas(rules), ...ENGINE_RULES];
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  const started = performance.now();
  const stages: Record<string, number> = {};
  const ruleTimings = request.timing ? new Map<string, number>() : undefined;
  let mark = performance.now();
  const lap = (stage: string): void => {
    const now = performance.now();
    stages[stage] = now - mark;
    mark = now;
  };
  const signer = request.cacheSecret ? new CacheSigner(request.cacheSecret) : undefined;
  const cacheLocation = request.cacheFile ? path.resolve(request.root, request.cacheFile) : undefined;
  const today = request.today ?? todayUtc();
  // A --cache run of the tree as written first looks for a previous run it can replay whole: the files are
  // read and hashed before any is parsed, and the parse cache is opened only when that fails.
  let read: ReadWorkspace | undefined;
  let run:
    | { key: string; location: string; files: Array<{ path: string; hash: string | undefined; text: string | undefined }>; previous?: RunRecord; metas: RuleMeta[]; settings: ReturnType<typeof resolveRuleSettings> }
    | undefined;
  if (cacheLocation && request.inputs.length > 0 && !request.baseline && !request.stdin && request.ruleProvidersKey !== undefined) {
    read = await readWorkspace(request.inputs, request.root, request.config);
    lap('read');
    const files = read.discovered.map((f, i) => {
      const outcome = read!.texts[i]!;
      return { path: f.path, hash: outcome.ok ? ParseCache.keyOf(outcome.text) : undefined, text: outcome.ok ? outcome.text : undefined };
    });
    lap('hash');
    if (files.every((f) => replayableFile(f.path, request.config))) {
      const metas = knownRuleMetas(request.rules);
      const key = RuleResultCache.keyOf(['run', request.config, metas, today, request.inputs, request.configFile ?? null, request.root, request.ruleProvidersKey]);
      const settings = resolveRuleSettings(request.config, metas, request.configFile);
      run = { key, location: runLocation(cacheLocation), files, metas, settings };
      const record = await RunRecord.open(run.location, key, signer);
      if (record) run.previous = record;
      lap('record');
      const outcome = await record?.replay({
        files,
        parse: (file, text) => parseSourceText({ path: file, text }, request.config),
        fresh: [...read.refused, ...read.texts.flatMap((t) => (t.ok ? [] : [t.problem]))],
        settings,
        signer,
      });
      if (outcome) {
        lap('replay');
        await outcome.save();
        lap('cache');
        request.onProgress?.({ stage: 'loaded', done: files.length, total: files.length });
        const only = request.only ? new Set(request.only.map(normalizeRelative)) : undefined;
        let checked: CheckedPair[] | undefined;
        return {
          findings: only ? outcome.findings.filter((f) => only.has(f.file) || (f.related ?? []).some((r) => r.file !== undefined && only.has(r.file))) : outcome.findings,
          rules: metas.filter((m) => settings.get(m.id)?.enabled !== false),
          // ~74,000 pairs on the bench tree that only JUnit and SARIF read: built when first asked for.
          get checked(): CheckedPair[] {
            return (checked ??= only ? outcome.checked().filter((c) => only.has(c.file)) : outcome.checked());
          },
          files: read.discovered.map((f) => f.path),
          resources: outcome.resources,
          durationMs: performance.now() - started,
          ...(ruleTimings ? { timings: { stages, rules: {} } } : {}),
        };
      }
    }
  }
  const cache = cacheLocation ? await ParseCache.open(cacheLocation, signer) : undefined;
  if (cache && run) cache.knowHashes(run.files.flatMap((f) => (f.text !== undefined ? [[f.text, f.hash!] as const] : [])));
  const [workspace, base] = await Promise.all([
    // `meshguard check -` alone reads nothing from the tree but the files the stream's origins name.
    read
      ? loadDiscovered(read.discovered, request.config, cache, read.refused, read.texts)
      : request.inputs.length > 0
        ? loadWorkspace(request.inputs, request.root, request.config, cache)
        : ({ files: [], resources: [], problems: [] } satisfies LoadedWorkspace as LoadedWorkspace),
    request.baseline ? loadRevision(request.inputs, request.root, request.baseline, request.config) : undefined,
  ]);
  lap('load');
  const renderSettings = { settings: request.config.render, defaultNamespace: request.config.defaultNamespace };
  const [head, baseRendered] = await Promise.all([
    renderWorkspace({ ...workspace, ...renderSettings, tree: diskTree(request.root), disk: { root: request.root } }),
    base ? renderWorkspace({ ...base, ...renderSettings, tree: textTree(base.texts), disk: { materialize: () => materializeTexts(base.texts) } }) : undefined,
  ]);
  if (request.stdin) {
    const piped = resourcesFromStdin(request.stdin.text, { tree: diskTree(request.root), ...(request.stdin.base ? { base: request.stdin.base } : {}), ...renderSettings });
    appendAll(head.resources, piped.resources);
    appendAll(head.problems, piped.problems);
  }
  lap('render');
  const allResources = [...head.resources, ...head.scopes.flatMap((s) => s.resources)];
  request.onProgress?.({ stage: 'loaded', done: workspace.files.length, total: workspace.files.length });
  const provided = (await Promise.all((request.ruleProviders ?? []).map((provide) => provide(allResources)))).flat();
  const rules = [...request.rules, ...provided];
  // Worked out already when a replay was tried, for the same rules when no provider added any.
  const metas = run && provided.length === 0 ? run.metas : knownRuleMetas(rules);
  const settings = run && provided.length === 0 ? run.settings : resolveRuleSettings(request.config, metas, request.configFile);
  const evaluationBase = { rules, knownRules: metas, settings, mesh: request.config.mesh, today };
  lap('policies');
  const headViews = viewsOf(request.config, head);
  const baseViews = baseRendered ? viewsOf(request.config, baseRendered) : undefined;
  const baseInventory = baseViews ? new Inventory(baseViews.rest) : undefined;
  // Rule results are cached only outside merge-request mode (there rules also read the base revision),
  // and only for files checked as written: a rendered or piped object depends on more than its file.
  const resultCache =
    cache && workspace.fileHashes && !base && !request.stdin && provided.length === 0 && head.scopes.length === 0
      ? await RuleResultCache.open(resultsLocation(cacheLocation!), RuleResultCache.keyOf([request.config, metas, today]), workspace.fileHashes, headViews.rest, workspace.resources, signer)
      : undefined;
  if (resultCache) lap('results cache');
  const evaluation = evaluateScopes(
    {
      ...evaluationBase,
      ...(baseInventory ? { baselineRef: request.baseline! } : {}),
      ...(ruleTimings ? { ruleTimings } : {}),
      ...(resultCache ? { resultCache } : {}),
      ...(request.onProgress ? { onResource: (done: number, total: number) => request.onProgress!({ stage: 'rules', done, total }) } : {}),
    },
    { resources: headViews.rest, problems: head.problems, ...(baseInventory ? { baseline: baseInventory } : {}) },
    withBaselines(headViews.scopes, baseViews?.scopes),
  );
  lap('rules');
  let findings = evaluation.findings;
  const checked = evaluation.checked;
  let comparison: BaselineComparison | undefined;
  if (base && baseRendered && baseInventory) {
    const baseFindings = evaluateScopes(evaluationBase, { resources: baseViews!.rest, problems: baseRendered.problems }, baseViews!.scopes).findings;
    ({ findings, comparison } = compareWithBaseline(findings, baseFindings, request.baseline!, base.commit));
  }
  // Positions resolved for this run's findings are part of what the next run reuses.
  const record =
    run && resultCache && headViews.scopes.length === 0
      ? recordOfRun({ key: run.key, files: run.files, resources: headViews.rest, resultCache, findings, checked, resourceCount: allResources.length, previous: run.previous })
      : undefined;
  if (run) lap('run record');
  await Promise.all([cache?.save(), resultCache?.save(), record ? RunRecord.save(run!.location, record, signer, undefined, run!.previous) : run ? rm(run.location, { force: true }) : undefined]);
  lap('baseline+cache');
  const only = request.only ? new Set(request.only.map(normalizeRelative)) : undefined;
  return {
    ...(comparison ? { baseline: comparison } : {}),
    // A staged file also causes findings that sit on an unchanged file (a new bypass fenced by an open policy
    // elsewhere): report those whose related resources live in the named files too.
    findings: only ? findings.filter((f) => only.has(f.file) || (f.related ?? []).some((r) => r.file !== undefined && only.has(r.file))) : findings,
    rules: metas.filter((m) => settings.get(m.id)?.enabled !== false),
    checked: only ? checked.filter((c) => only.has(c.file)) : checked,
    files: workspace.files,
    resources: allResources.length,
    durationMs: performance.now() - started,
    ...(ruleTimings ? { timings: { stages, rules: Object.fromEntries([...ruleTimings].sort((a, b) => b[1] - a[1])) } } : {}),
  };
}

/**
 * New-only reporting: a head finding whose fingerprint the base revision also produced is marked as
 * suppressed by the baseline (kept for SARIF, not counted for the exit code, left out of code quality).
 * Fingerprints hash identity, not lines, so edits above a finding do not make it "new".
 */
export function compareWithBaseline(
  head: readonly Finding[],
  base: readonly Finding[],
  ref: string,
  commit: string,
): { findings: Finding[]; comparison: BaselineComparison } {
  const live = (f: Finding): boolean => !f.suppressed;
  const baseFingerprints = new Set(base.filter(live).map((f) => f.fingerprint));
  const headFingerprints = new Set(head.filter(live).map((f) => f.fingerprint));
  let unchanged = 0;
  const findings = head.map((finding) => {
    if (!live(finding) || !baseFingerprints.has(finding.fingerprint)) return finding;
    unchanged++;
    return { ...finding, suppressed: { kind: 'baseline' as const, justification: `already present at ${ref}` } };
  });
  const fixed = [...baseFingerprints].filter((fp) => !headFingerprints.has(fp)).length;
  return { findings, comparison: { ref, commit, new: headFingerprints.size - unchanged, fixed, unchanged } };
}

/** The views a run evaluates: each cluster (when configured), each rendered overlay or chart in no cluster, and the rest. */
function viewsOf(config: MeshguardConfig, rendered: RenderedWorkspace): { rest: Resource[]; scopes: EvaluationScope[] } {
  const split = splitClusters(config, rendered.resources, rendered.scopes);
  return { rest: split.rest, scopes: [...split.clusters, ...split.overlays.map((o): EvaluationScope => ({ name: o.name, kind: o.kind, resources: o.resources }))] };
}

/** Each scope compared with the same scope (same cluster, build root or chart) on the base revision. */
function withBaselines(scopes: readonly EvaluationScope[], base: readonly EvaluationScope[] | undefined): EvaluationScope[] {
  return scopes.map((scope) => {
    const counterpart = base?.find((s) => s.name === scope.name && s.kind === scope.kind);
    return counterpart ? { ...scope, baseline: counterpart.inventory ?? new Inventory(counterpart.resources) } : scope;
  });
}

/** Rule results live beside the parse cache: `parse.json` -> `parse.results.json`. */
const resultsLocation = (parseCacheFile: string): string => besideCacheFile(parseCacheFile, 'results');

/** The record of the last run, beside them: `parse.json` -> `parse.run.json`. */
const runLocation = (parseCacheFile: string): string => besideCacheFile(parseCacheFile, 'run');

/**
 * A file a whole run can be replayed over: a Kubernetes manifest checked as written. A GitLab CI file's
 * includes are read from outside the selection, and a kustomization or a chart is rendered.
 */
function replayableFile(file: string, config: MeshguardConfig): boolean {
  return familyOf(file, config.gitlabCi) === 'kubernetes' && !isKustomizationFile(file) && path.posix.basename(file) !== 'Chart.yaml';
}

function normalizeRelative(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}
