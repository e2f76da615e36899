/**
 * What running the shipped Rego guardrails costs next to their TypeScript originals: the same
 * resources through the same engine (`evaluate`), once with the TypeScript rules and once with the
 * Rego ones, in one process; warm-up runs first, then the median of several timed runs each.
 */
import { DEFAULT_CONFIG } from '../config/types.js';
import { knownRuleMetas } from '../engine/check.js';
import { evaluate } from '../engine/evaluate.js';
import { resolveRuleSettings } from '../engine/settings.js';
import { loadWorkspace } from '../load/index.js';
import { Inventory } from '../model/inventory.js';
import { shippedPolicyRules } from '../policy/index.js';
import { captureBypassJustifiedRule } from '../rules/mesh/capture-bypass-justified.js';
import { injectionLabelsRule } from '../rules/mesh/injection-labels.js';
import { jobSidecarTerminationRule } from '../rules/mesh/job-sidecar-termination.js';
import type { Rule } from '../rules/rule.js';

/**
 * The TypeScript modules of the guardrails that ship as Rego (policies/): no longer registered as
 * built-in rules, kept as the reference of the differential test and of this benchmark.
 */
export const REFERENCE_RULES: readonly Rule[] = [injectionLabelsRule, jobSidecarTerminationRule, captureBypassJustifiedRule];

export interface RegoCost {
  regoMs: number;
  typescriptMs: number;
  ratio: number;
  resources: number;
}

export async function measureRegoCost(root: string, options: { warmup?: number; runs?: number } = {}): Promise<RegoCost> {
  const { resources } = await loadWorkspace(['.'], root, DEFAULT_CONFIG);
  const ids = new Set(REFERENCE_RULES.map((r) => r.meta.id));
  const rego = shippedPolicyRules().filter((r) => ids.has(r.meta.id));
  const metas = knownRuleMetas(REFERENCE_RULES);
  const settings = resolveRuleSettings(DEFAULT_CONFIG, metas);
  const time = (rules: readonly Rule[]): number => {
    // Fresh objects and a fresh inventory per run, as a new process would have: per-run work
    // (serialising resources for wasm, Rego's setData, memoised model lookups) is part of the cost.
    const runResources = resources.map((r) => ({ ...r, object: structuredClone(r.object) }));
    const runInventory = new Inventory(runResources);
    const started = performance.now();
    evaluate({ resources: runResources, inventory: runInventory, problems: [], rules, knownRules: metas, settings, mesh: DEFAULT_CONFIG.mesh, today: '2026-11-26' });
    return performance.now() - started;
  };
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 7;
  for (let i = 0; i < warmup; i++) {
    time(REFERENCE_RULES);
    time(rego);
  }
  const ts: number[] = [];
  const re: number[] = [];
  // Interleaved, so a noisy neighbour on a shared machine hits both sides alike.
  for (let i = 0; i < runs; i++) {
    ts.push(time(REFERENCE_RULES));
    re.push(time(rego));
  }
  const typescriptMs = median(ts);
  const regoMs = median(re);
  return { regoMs, typescriptMs, ratio: regoMs / typescriptMs, resources: resources.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
