import type { MeshguardConfig } from '../config/types.js';
import { loadWorkspace } from '../load/index.js';
import type { Finding, RuleMeta } from '../model/types.js';
import { ruleDocsUri } from '../rules/docs.js';
import { BUILTIN_RULES, allRuleMetas } from '../rules/registry.js';
import type { Rule } from '../rules/rule.js';
import { evaluate, INTERNAL_ERROR_RULE, type CheckedPair } from './evaluate.js';
import { resolveRuleSettings } from './settings.js';

export interface CheckRequest {
  /** Repository root: paths in findings are relative to it. */
  root: string;
  /** Files, directories and globs to check. */
  inputs: readonly string[];
  config: MeshguardConfig;
  configFile?: string;
  rules?: readonly Rule[];
  /** ISO date used for waiver expiry; defaults to today (UTC). */
  today?: string;
  /** Report only findings located in these files (pre-commit); everything is still loaded for context. */
  only?: readonly string[];
}

export interface CheckResult {
  findings: Finding[];
  /** Metadata of every rule that ran (for SARIF `rules[]` and JUnit suites). */
  rules: RuleMeta[];
  checked: CheckedPair[];
  files: string[];
  resources: number;
  durationMs: number;
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

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  const started = performance.now();
  const rules = request.rules ?? BUILTIN_RULES;
  const metas = [...allRuleMetas(rules), ...ENGINE_RULES];
  const settings = resolveRuleSettings(request.config, metas, request.configFile);
  const workspace = await loadWorkspace(request.inputs, request.root, request.config);
  const { findings, checked } = evaluate({
    resources: workspace.resources,
    problems: workspace.problems,
    rules,
    knownRules: metas,
    settings,
    mesh: request.config.mesh,
    today: request.today ?? todayUtc(),
  });
  const only = request.only ? new Set(request.only.map(normalizeRelative)) : undefined;
  return {
    findings: only ? findings.filter((f) => only.has(f.file)) : findings,
    rules: metas.filter((m) => settings.get(m.id)?.enabled !== false),
    checked: only ? checked.filter((c) => only.has(c.file)) : checked,
    files: workspace.files,
    resources: workspace.resources.length,
    durationMs: performance.now() - started,
  };
}

function normalizeRelative(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}
