import type { LoadProblem } from '../load/problems.js';
import type { ClusterContext } from '../model/clusters.js';
import type { Inventory } from '../model/inventory.js';
import type { Finding, FindingScopes, Resource } from '../model/types.js';
import { compareFindings, evaluate, type CheckedPair, type Evaluation, type EvaluationInput } from './evaluate.js';
import { assignFingerprints } from './fingerprint.js';
import { appendAll } from '../model/arrays.js';

/** One view of the tree with its own inventory: a rendered overlay or chart, or a cluster. */
export interface EvaluationScope {
  name: string;
  kind: FindingScopes['kind'];
  resources: readonly Resource[];
  problems?: readonly LoadProblem[];
  /** The same view on the merge request's base revision. */
  baseline?: Inventory;
  /** Built once when other scopes need it too (clusters compare each other's inventories). */
  inventory?: Inventory;
  cluster?: ClusterContext;
}

type CommonInput = Omit<EvaluationInput, 'resources' | 'problems' | 'inventory' | 'baseline'>;

/**
 * Evaluate the plain tree and every scope, each against its own inventory (cross-resource rules see one
 * overlay's or one cluster's world), then report a finding that several scopes share once, naming them.
 */
export function evaluateScopes(common: CommonInput, plain: { resources: readonly Resource[]; problems: readonly LoadProblem[]; baseline?: Inventory }, scopes: readonly EvaluationScope[]): Evaluation {
  const unscoped = evaluate({ ...common, resources: plain.resources, problems: plain.problems, ...(plain.baseline ? { baseline: plain.baseline } : {}) });
  if (scopes.length === 0) return unscoped;
  const checked: CheckedPair[] = [...unscoped.checked];
  const merged = new Map<string, Finding>();
  const order: Finding[] = [...unscoped.findings];
  // Results are cached per resource of the plain tree: a scope's inventory (a cluster, an overlay) is another world.
  const { resultCache: _, ...uncached } = common;
  for (const scope of scopes) {
    const result = evaluate({
      ...uncached,
      resources: scope.resources,
      problems: scope.problems ?? [],
      ...(scope.inventory ? { inventory: scope.inventory } : {}),
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
      // A scope without a counterpart on the base revision has no baseline: everything in it is new.
      ...(scope.baseline ? { baseline: scope.baseline } : {}),
    });
    appendAll(checked, result.checked);
    for (const finding of result.findings) {
      const key = mergeKey(finding);
      const existing = merged.get(key);
      if (existing?.scopes && existing.scopes.kind === scope.kind) {
        existing.scopes.names.push(scope.name);
        continue;
      }
      const scoped: Finding = { ...finding, scopes: { kind: scope.kind, names: [scope.name] } };
      merged.set(key, scoped);
      order.push(scoped);
    }
  }
  const findings = order.map((f) => (f.scopes ? { ...f, message: `${f.message} [${scopeLabel(f.scopes)}]` } : f));
  findings.sort(compareFindings);
  return { findings: assignFingerprints(findings.map(({ fingerprint: _, ...rest }) => rest)), checked };
}

/** Same rule, same place, same words: the same finding, whichever view produced it. */
function mergeKey(finding: Finding): string {
  const r = finding.resource;
  return [finding.ruleId, finding.messageId, finding.file, finding.line, finding.column, finding.path, finding.message, r ? `${r.kind}/${r.namespace ?? ''}/${r.name}` : '', finding.suppressed?.kind ?? ''].join('\u0000');
}

export function scopeLabel(scopes: FindingScopes): string {
  const plural = scopes.names.length > 1;
  const noun = scopes.kind === 'overlay' ? (plural ? 'overlays' : 'overlay') : scopes.kind === 'chart' ? (plural ? 'charts' : 'chart') : plural ? 'clusters' : 'cluster';
  return `${noun} ${scopes.names.join(', ')}`;
}
