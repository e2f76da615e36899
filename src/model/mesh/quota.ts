import type { Inventory } from '../inventory.js';
import { perObject } from '../memo.js';
import { parseQuantity } from '../quantity.js';
import type { JsonPath, Resource } from '../types.js';
import { getIn, isRecord, type PodTemplate } from '../workload.js';
import { isBestEffort, type ComputeResource, type PodContainer, type PodShape } from './pod-resources.js';

/** A `spec.hard` entry meshguard can budget. `requests.cpu` and `cpu` are the same thing. */
export type QuotaItem =
  | { key: string; kind: 'compute'; field: 'requests' | 'limits'; resource: ComputeResource; hard: bigint; path: JsonPath }
  | { key: string; kind: 'pods'; hard: bigint; path: JsonPath };

export interface QuotaHardProblem {
  key: string;
  path: JsonPath;
  error: string;
}

const COMPUTE_KEYS: Readonly<Record<string, { field: 'requests' | 'limits'; resource: ComputeResource }>> = {
  cpu: { field: 'requests', resource: 'cpu' },
  'requests.cpu': { field: 'requests', resource: 'cpu' },
  memory: { field: 'requests', resource: 'memory' },
  'requests.memory': { field: 'requests', resource: 'memory' },
  'limits.cpu': { field: 'limits', resource: 'cpu' },
  'limits.memory': { field: 'limits', resource: 'memory' },
};

/**
 * The hard limits of a ResourceQuota that concern pods' compute resources and pod counts. Parsed once per
 * quota object: every workload of the namespace asks for them.
 */
export const quotaItemsOf: (quota: Resource) => { readonly items: readonly QuotaItem[]; readonly problems: readonly QuotaHardProblem[] } = perObject(parseQuotaItems);

function parseQuotaItems(quota: Resource): { items: QuotaItem[]; problems: QuotaHardProblem[] } {
  const hard = getIn(quota.object, ['spec', 'hard']);
  const items: QuotaItem[] = [];
  const problems: QuotaHardProblem[] = [];
  if (!isRecord(hard)) return { items, problems };
  for (const [key, value] of Object.entries(hard)) {
    const compute = COMPUTE_KEYS[key];
    if (!compute && key !== 'pods' && key !== 'count/pods') continue;
    const path = ['spec', 'hard', key];
    const parsed = parseQuantity(value);
    if (!parsed.ok || parsed.milli < 0n) {
      problems.push({ key, path, error: parsed.ok ? 'it is negative' : parsed.error });
      continue;
    }
    items.push(compute ? { key, kind: 'compute', ...compute, hard: parsed.milli, path } : { key, kind: 'pods', hard: parsed.milli, path });
  }
  return { items, problems };
}

/** The PriorityClass a pod ends up with: its own, else the cluster's globalDefault one (Priority admission). */
export function priorityClassOf(template: PodTemplate, inventory: Inventory): string {
  const own = template.spec.priorityClassName;
  if (typeof own === 'string' && own !== '') return own;
  const globalDefault = inventory.ofKind('PriorityClass').find((pc) => pc.object.globalDefault === true);
  return globalDefault?.name ?? '';
}

/**
 * Does a quota track this pod? `spec.scopes` and `spec.scopeSelector.matchExpressions` must ALL match
 * (k8s pkg/quota/v1/evaluator/core/pods.go podMatchesScopeFunc):
 * Terminating = activeDeadlineSeconds >= 0 on the pod (a Job's own activeDeadlineSeconds is not copied
 * to its pods), NotTerminating = the opposite, BestEffort = QoS class BestEffort, NotBestEffort,
 * PriorityClass In/NotIn/Exists/DoesNotExist on the pod's priorityClassName. Scopes meshguard cannot
 * evaluate from a manifest (CrossNamespacePodAffinity, VolumeAttributesClass) make the quota not match.
 */
export function quotaSelectsPod(quota: Resource, template: PodTemplate, shape: PodShape, inventory: Inventory): boolean {
  const spec = isRecord(quota.object.spec) ? quota.object.spec : {};
  const requirements: Array<{ scopeName: string; operator: string; values: string[] }> = [];
  if (Array.isArray(spec.scopes)) for (const scope of spec.scopes) if (typeof scope === 'string') requirements.push({ scopeName: scope, operator: 'Exists', values: [] });
  const expressions = getIn(spec, ['scopeSelector', 'matchExpressions']);
  if (Array.isArray(expressions)) {
    for (const e of expressions) {
      if (!isRecord(e) || typeof e.scopeName !== 'string') continue;
      const values = Array.isArray(e.values) ? e.values.filter((v): v is string => typeof v === 'string') : [];
      requirements.push({ scopeName: e.scopeName, operator: typeof e.operator === 'string' ? e.operator : 'Exists', values });
    }
  }
  return requirements.every((r) => matchesScope(r, template, shape, inventory));
}

function matchesScope(r: { scopeName: string; operator: string; values: string[] }, template: PodTemplate, shape: PodShape, inventory: Inventory): boolean {
  const deadline = template.spec.activeDeadlineSeconds;
  const terminating = typeof deadline === 'number' && deadline >= 0;
  const negate = r.operator === 'DoesNotExist';
  switch (r.scopeName) {
    case 'Terminating':
      return terminating !== negate;
    case 'NotTerminating':
      return !terminating !== negate;
    case 'BestEffort':
      return isBestEffort(shape) !== negate;
    case 'NotBestEffort':
      return !isBestEffort(shape) !== negate;
    case 'PriorityClass': {
      const name = priorityClassOf(template, inventory);
      if (r.operator === 'Exists') return name !== '';
      if (r.operator === 'DoesNotExist') return name === '';
      if (r.operator === 'In') return r.values.includes(name);
      if (r.operator === 'NotIn') return !r.values.includes(name);
      return false;
    }
    default:
      return false;
  }
}

/** "ResourceQuota team/compute (scopes NotTerminating, PriorityClass In [high])" */
export function describeQuota(quota: Resource): string {
  const scopes = getIn(quota.object, ['spec', 'scopes']);
  const expressions = getIn(quota.object, ['spec', 'scopeSelector', 'matchExpressions']);
  const parts = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  if (Array.isArray(expressions)) {
    for (const e of expressions) {
      if (!isRecord(e) || typeof e.scopeName !== 'string') continue;
      const values = Array.isArray(e.values) && e.values.length > 0 ? ` [${e.values.join(', ')}]` : '';
      parts.push(`${e.scopeName} ${typeof e.operator === 'string' ? e.operator : 'Exists'}${values}`);
    }
  }
  return `ResourceQuota ${quota.namespace}/${quota.name}${parts.length > 0 ? ` (scopes ${parts.join(', ')})` : ''}`;
}

/**
 * The `spec.hard` keys a container fails to provide: with `requests.*` (`limits.*`) in a quota, the
 * ResourceQuota admission plugin rejects a pod unless every container, init containers included, sets
 * that request (limit) — "must specify limits.memory for: istio-proxy". A pod-level value covers it.
 */
export function missingQuotaKeys(container: PodContainer, shape: PodShape, items: readonly QuotaItem[]): string[] {
  const missing = new Set<string>();
  for (const item of items) {
    if (item.kind !== 'compute') continue;
    if (shape.podLevel[item.field][item.resource] !== undefined) continue;
    if (container[item.field][item.resource] === undefined) missing.add(`${item.field}.${item.resource}`);
  }
  return [...missing].sort();
}
