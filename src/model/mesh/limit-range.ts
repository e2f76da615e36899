import type { Inventory } from '../inventory.js';
import { parseQuantity } from '../quantity.js';
import type { JsonPath, Resource } from '../types.js';
import { isRecord } from '../workload.js';
import { COMPUTE_RESOURCES, type Amounts, type ComputeResource } from './pod-resources.js';

/** One `spec.limits[]` entry of type Container, with the API server's defaulting applied. */
export interface ContainerLimits {
  limitRange: Resource;
  /** Path of the entry inside the LimitRange. */
  path: JsonPath;
  max: Amounts;
  min: Amounts;
  /** Default limit; defaults to `max` (SetDefaults_LimitRangeItem). */
  default: Amounts;
  /** Default request; defaults to `default`. */
  defaultRequest: Amounts;
  /** maxLimitRequestRatio as a rational: limit * denominator <= request * numerator (milli-units). */
  maxRatio: Partial<Record<ComputeResource, bigint>>;
}

/** Container-type LimitRange entries of a namespace, in tree order. Unparsable values are skipped. */
export function containerLimitsIn(namespace: string, inventory: Inventory): ContainerLimits[] {
  const out: ContainerLimits[] = [];
  for (const limitRange of inventory.ofKind('LimitRange', namespace)) {
    const items = isRecord(limitRange.object.spec) ? limitRange.object.spec.limits : undefined;
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      if (!isRecord(item) || item.type !== 'Container') return;
      const max = amounts(item.max);
      const min = amounts(item.min);
      const def = { ...max, ...amounts(item.default) };
      const defaultRequest = { ...def, ...amounts(item.defaultRequest) };
      out.push({ limitRange, path: ['spec', 'limits', index], max, min, default: def, defaultRequest, maxRatio: amounts(item.maxLimitRequestRatio) });
    });
  }
  return out;
}

function amounts(value: unknown): Amounts {
  const out: Amounts = {};
  if (!isRecord(value)) return out;
  for (const resource of COMPUTE_RESOURCES) {
    const parsed = parseQuantity(value[resource]);
    if (parsed.ok) out[resource] = parsed.milli;
  }
  return out;
}

/**
 * The LimitRanger admission plugin fills in a missing limit from `default` and a missing request from
 * `defaultRequest` (first LimitRange wins). It is re-run after mutating webhooks change the pod
 * (admission reinvocation, Kubernetes >= 1.15), so it reaches the injected istio-proxy too.
 */
export function applyLimitRangeDefaults(requests: Amounts, limits: Amounts, ranges: readonly ContainerLimits[]): { requests: Amounts; limits: Amounts } {
  const req = { ...requests };
  const lim = { ...limits };
  for (const range of ranges) {
    for (const resource of COMPUTE_RESOURCES) {
      if (lim[resource] === undefined && range.default[resource] !== undefined) lim[resource] = range.default[resource];
      if (req[resource] === undefined && range.defaultRequest[resource] !== undefined) req[resource] = range.defaultRequest[resource];
    }
  }
  return { requests: req, limits: lim };
}

export type LimitRangeViolation =
  | { kind: 'max'; resource: ComputeResource; field: 'limit' | 'request'; value?: bigint; bound: bigint }
  | { kind: 'min'; resource: ComputeResource; field: 'limit' | 'request'; value?: bigint; bound: bigint }
  | { kind: 'ratio'; resource: ComputeResource; request?: bigint; limit?: bigint; ratio: bigint };

/**
 * The LimitRanger validation of one container against one entry (plugin/pkg/admission/limitranger):
 * `max` needs a limit no larger than it (and a request no larger); `min` needs a request no smaller
 * (and a limit no smaller); `maxLimitRequestRatio` needs both, with limit/request within the ratio.
 */
export function limitRangeViolations(requests: Amounts, limits: Amounts, range: ContainerLimits): LimitRangeViolation[] {
  const out: LimitRangeViolation[] = [];
  for (const resource of COMPUTE_RESOURCES) {
    const request = requests[resource];
    const limit = limits[resource];
    const max = range.max[resource];
    if (max !== undefined) {
      if (limit === undefined || limit > max) out.push({ kind: 'max', resource, field: 'limit', ...(limit !== undefined ? { value: limit } : {}), bound: max });
      else if (request !== undefined && request > max) out.push({ kind: 'max', resource, field: 'request', value: request, bound: max });
    }
    const min = range.min[resource];
    if (min !== undefined) {
      if (request === undefined || request < min) out.push({ kind: 'min', resource, field: 'request', ...(request !== undefined ? { value: request } : {}), bound: min });
      else if (limit !== undefined && limit < min) out.push({ kind: 'min', resource, field: 'limit', value: limit, bound: min });
    }
    const ratio = range.maxRatio[resource];
    if (ratio !== undefined) {
      // ratio is in milli-units: limit/request <= ratio/1000  <=>  limit * 1000 <= request * ratio.
      if (request === undefined || request === 0n || limit === undefined || limit === 0n || limit * 1000n > request * ratio) {
        out.push({ kind: 'ratio', resource, ...(request !== undefined ? { request } : {}), ...(limit !== undefined ? { limit } : {}), ratio });
      }
    }
  }
  return out;
}
