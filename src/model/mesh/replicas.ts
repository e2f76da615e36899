import type { Inventory } from '../inventory.js';
import type { Resource } from '../types.js';
import { getIn, isRecord } from '../workload.js';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface ReplicaOptions {
  /**
   * How many runs of a CronJob to budget per concurrencyPolicy. Forbid never overlaps and Replace
   * deletes the running Job first; Allow may overlap when a run outlasts its schedule interval, and how
   * often depends on run times a manifest does not show: 2 is the assumption (one late run plus the next).
   */
  cronJobConcurrentRuns: Record<ConcurrencyPolicy, number>;
}

export const DEFAULT_REPLICA_OPTIONS: ReplicaOptions = { cronJobConcurrentRuns: { Allow: 2, Forbid: 1, Replace: 1 } };

export interface ReplicaBudget {
  /** Pods to budget at the peak: base x runs + surge. */
  pods: number;
  base: number;
  surge: number;
  /** How the number came about, for messages ("HPA payments/api maxReplicas 6 + 2 surge"). */
  explanation: string;
  hpa?: Resource;
}

const HPA = 'HorizontalPodAutoscaler';

/** The HPA whose `scaleTargetRef` names this workload (same namespace, kind and name), if any. */
export function hpaTargeting(workload: Resource, inventory: Inventory): Resource | undefined {
  return inventory.ofKind(HPA, workload.namespace).find((hpa) => {
    const ref = getIn(hpa.object, ['spec', 'scaleTargetRef']);
    return isRecord(ref) && ref.kind === workload.kind && ref.name === workload.name;
  });
}

/**
 * The most pods a workload may run at once, which is what a namespace quota must hold:
 * - Deployment/StatefulSet/ReplicaSet/ReplicationController: the targeting HPA's maxReplicas, else
 *   spec.replicas (default 1); a Deployment's RollingUpdate adds maxSurge (default 25%, a percentage
 *   rounds up, of the budgeted replicas) during every rollout;
 * - Job: parallelism (default 1), capped by completions;
 * - CronJob: the Job's parallelism x the runs its concurrencyPolicy lets overlap;
 * - a suspended Job or CronJob (`spec.suspend: true`): 0, as it starts nothing until resumed;
 * - Pod: 1.
 * DaemonSets scale with the node count, which manifests do not show: no budget (undefined).
 */
export function replicaBudgetOf(workload: Resource, inventory: Inventory, options: ReplicaOptions = DEFAULT_REPLICA_OPTIONS): ReplicaBudget | undefined {
  const spec = isRecord(workload.object.spec) ? workload.object.spec : {};
  switch (workload.kind) {
    case 'Pod':
      return { pods: 1, base: 1, surge: 0, explanation: '1 pod' };
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'ReplicationController': {
      const hpa = hpaTargeting(workload, inventory);
      const maxReplicas = hpa ? count(getIn(hpa.object, ['spec', 'maxReplicas'])) : undefined;
      const base = maxReplicas ?? count(spec.replicas) ?? 1;
      const surge = workload.kind === 'Deployment' ? deploymentSurge(spec, base) : 0;
      const from = hpa && maxReplicas !== undefined ? `HPA ${hpa.namespace}/${hpa.name} maxReplicas ${base}` : `${base} replica${base === 1 ? '' : 's'}`;
      return { pods: base + surge, base, surge, explanation: surge > 0 ? `${from} + ${surge} surge` : from, ...(hpa ? { hpa } : {}) };
    }
    case 'Job': {
      // A suspended Job (spec.suspend) has no pods until someone resumes it: nothing for a quota to hold.
      if (spec.suspend === true) return { pods: 0, base: 0, surge: 0, explanation: 'suspended' };
      const parallel = jobParallelism(spec);
      return { pods: parallel, base: parallel, surge: 0, explanation: `parallelism ${parallel}` };
    }
    case 'CronJob': {
      // A suspended CronJob schedules no runs, like a Deployment scaled to 0 replicas.
      if (spec.suspend === true) return { pods: 0, base: 0, surge: 0, explanation: 'suspended' };
      const jobSpec = getIn(spec, ['jobTemplate', 'spec']);
      const parallel = jobParallelism(isRecord(jobSpec) ? jobSpec : {});
      const policy: ConcurrencyPolicy = spec.concurrencyPolicy === 'Forbid' || spec.concurrencyPolicy === 'Replace' ? spec.concurrencyPolicy : 'Allow';
      const runs = options.cronJobConcurrentRuns[policy];
      return { pods: parallel * runs, base: parallel * runs, surge: 0, explanation: `parallelism ${parallel} x ${runs} concurrent run${runs === 1 ? '' : 's'} under concurrencyPolicy ${policy}` };
    }
    default:
      return undefined;
  }
}

function jobParallelism(spec: Record<string, unknown>): number {
  const parallelism = count(spec.parallelism) ?? 1;
  const completions = count(spec.completions);
  return completions !== undefined ? Math.min(parallelism, completions) : parallelism;
}

/** RollingUpdate (the default strategy) surges by maxSurge; Recreate never runs old and new together. */
function deploymentSurge(spec: Record<string, unknown>, replicas: number): number {
  const strategy = isRecord(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate') return 0;
  const maxSurge = getIn(strategy, ['rollingUpdate', 'maxSurge']) ?? '25%';
  return resolveIntOrPercent(maxSurge, replicas, 'up') ?? Math.ceil(replicas * 0.25);
}

/** An IntOrString like maxSurge: an integer, or a percentage of `total` rounded as the controller does. */
export function resolveIntOrPercent(value: unknown, total: number, round: 'up' | 'down'): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+)%$/.exec(value.trim());
    if (!match) return /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
    // Integer arithmetic: percent * total / 100 without floating point error.
    const scaled = Number(match[1]) * total;
    return round === 'up' ? Math.ceil(scaled / 100) : Math.floor(scaled / 100);
  }
  return undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Workloads created by another object (a Job of a CronJob, a ReplicaSet of a Deployment) are budgeted via their owner. */
export function isOwned(workload: Resource): boolean {
  const owners = getIn(workload.object, ['metadata', 'ownerReferences']);
  return Array.isArray(owners) && owners.length > 0;
}
