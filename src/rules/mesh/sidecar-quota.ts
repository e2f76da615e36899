import { describeInjection } from '../../model/mesh/injection.js';
import { allContainers, effectivePodResources, type PodTotals } from '../../model/mesh/pod-resources.js';
import { describeQuota, missingQuotaKeys, quotaItemsOf, quotaSelectsPod, type QuotaItem } from '../../model/mesh/quota.js';
import { DEFAULT_REPLICA_OPTIONS, isOwned, replicaBudgetOf, type ReplicaBudget, type ReplicaOptions } from '../../model/mesh/replicas.js';
import { describeProxyContainers, workloadPodOf } from '../../model/mesh/resources.js';
import { amountFormatter } from '../../model/quantity.js';
import type { Resource, ResourceRef } from '../../model/types.js';
import { POD_BEARING_KINDS } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

const ID = 'sidecar-quota';

/** One workload's share of a quota. */
interface Charge {
  workload: Resource;
  budget: ReplicaBudget;
  totals: PodTotals;
  appTotals: PodTotals;
  /** `spec.hard` keys of this quota the pod does not provide: the quota rejects it, so it uses nothing. */
  rejectedFor: string[];
}

/**
 * "Sidecars are a tax": every injected pod carries istio-proxy (100m / 128Mi requested by default) and
 * an init container sized the same, and namespace quotas written before the mesh do not include it.
 * The rule does the quota arithmetic Kubernetes will do at admission, at the workloads' peak replicas.
 */
export const sidecarQuotaRule: Rule = {
  meta: {
    id: ID,
    title: 'Namespace quotas must hold the workloads with their sidecars',
    description:
      'Per ResourceQuota (and its scopes), the peak replicas of every workload times its effective pod requests/limits, ' +
      'injected istio-proxy and init container included, must fit each `hard` value; and an injected pod must set every ' +
      'request/limit a quota in its namespace requires, or the API server rejects it.',
    severity: 'error',
    helpUri: ruleDocsUri(ID),
    tags: ['mesh', 'resources', 'quota'],
    appliesTo: { family: 'kubernetes', kinds: ['ResourceQuota', ...POD_BEARING_KINDS] },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cronJobConcurrentRuns: {
          type: 'object',
          additionalProperties: false,
          description: 'Runs of a CronJob to budget per concurrencyPolicy (default Allow: 2, Forbid: 1, Replace: 1).',
          properties: {
            Allow: { type: 'integer', minimum: 1 },
            Forbid: { type: 'integer', minimum: 1 },
            Replace: { type: 'integer', minimum: 1 },
          },
        },
        topContributors: { type: 'integer', minimum: 1, maximum: 20, description: 'Workloads named in a quota message (default 3).' },
      },
    },
  },
  check(resource, context) {
    if (resource.kind === 'ResourceQuota') checkQuota(resource, context);
    else checkWorkload(resource, context);
  },
};

function replicaOptions(context: RuleContext): ReplicaOptions {
  const runs = context.options.cronJobConcurrentRuns as Partial<ReplicaOptions['cronJobConcurrentRuns']> | undefined;
  return { cronJobConcurrentRuns: { ...DEFAULT_REPLICA_OPTIONS.cronJobConcurrentRuns, ...runs } };
}

function checkQuota(quota: Resource, context: RuleContext): void {
  const { items, problems } = quotaItemsOf(quota);
  for (const problem of problems) {
    context.report({ path: problem.path, messageId: 'badHardQuantity', message: `${problem.key}: ${problem.error}; the quota cannot be evaluated` });
  }
  if (items.length === 0) return;
  const charges = chargesFor(quota, items, context);
  const top = typeof context.options.topContributors === 'number' ? context.options.topContributors : 3;
  const where = describeQuota(quota);
  // Pods a quota rejects consume none of it; checkWorkload reports the injected ones on their workload.
  const counted = charges.filter((c) => c.rejectedFor.length === 0);
  const rejected = charges.length - counted.length;
  const rejectedNote =
    rejected > 0
      ? `; not counted: ${rejected} workload${rejected === 1 ? '' : 's'} whose pods this quota rejects (missing ${[...new Set(charges.flatMap((c) => c.rejectedFor))].join(', ')})`
      : '';

  for (const item of items) {
    if (item.kind === 'pods') {
      const used = counted.reduce((sum, c) => sum + c.budget.pods, 0);
      if (BigInt(used) * 1000n <= item.hard) continue;
      const parts = [...counted]
        .sort((a, b) => b.budget.pods - a.budget.pods)
        .slice(0, top)
        .map((c) => `${name(c.workload)} ${c.budget.pods} (${c.budget.explanation})`);
      context.report({
        path: item.path,
        messageId: 'podsExceeded',
        message: `${item.key}: the workloads of namespace ${quota.namespace} run up to ${used} pod${used === 1 ? '' : 's'} at their peak but ${where} allows ${item.hard / 1000n}: ${parts.join(', ')}${more(counted.length, top)}${rejectedNote}`,
        related: refs(counted.slice(0, top)),
      });
      continue;
    }
    const { field, resource } = item;
    const rows = counted.flatMap((c) => {
      const perPod = c.totals[field][resource];
      if (perPod === undefined) return [];
      const appPerPod = c.appTotals[field][resource] ?? perPod;
      const n = BigInt(c.budget.pods);
      return [{ charge: c, perPod, total: n * perPod, overhead: n * (perPod - appPerPod) }];
    });
    const used = rows.reduce((sum, r) => sum + r.total, 0n);
    if (used <= item.hard) continue;
    const overhead = rows.reduce((sum, r) => sum + r.overhead, 0n);
    const fmt = amountFormatter(resource, [used, item.hard, overhead, ...rows.flatMap((r) => [r.perPod, r.total, r.overhead])]);
    rows.sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : 0));
    const parts = rows.slice(0, top).map((r) => {
      const sidecar = r.overhead > 0n ? `, ${fmt(r.overhead)} of it sidecar` : '';
      return `${name(r.charge.workload)} ${r.charge.budget.pods} pod${r.charge.budget.pods === 1 ? '' : 's'} (${r.charge.budget.explanation}) x ${fmt(r.perPod)} = ${fmt(r.total)}${sidecar}`;
    });
    const sidecarNote =
      overhead > 0n
        ? `; ${fmt(overhead)} of it is sidecar overhead (istio-proxy and istio-init)${used - overhead <= item.hard ? ', without which it would fit' : ''}`
        : '';
    context.report({
      path: item.path,
      messageId: 'quotaExceeded',
      message: `${item.key}: the workloads of namespace ${quota.namespace} need ${fmt(used)} at their peak but ${where} allows ${fmt(item.hard)}${sidecarNote} — ${parts.join('; ')}${more(rows.length, top)}${rejectedNote}`,
      related: refs(rows.slice(0, top).map((r) => r.charge)),
    });
  }
}

function chargesFor(quota: Resource, items: readonly QuotaItem[], context: RuleContext): Charge[] {
  const inventory = context.inventory;
  const options = replicaOptions(context);
  const charges: Charge[] = [];
  for (const kind of POD_BEARING_KINDS) {
    for (const workload of inventory.ofKind(kind, quota.namespace)) {
      if (isOwned(workload)) continue;
      const budget = replicaBudgetOf(workload, inventory, options);
      const pod = workloadPodOf(workload, inventory, context.mesh);
      if (!budget || !pod || budget.pods === 0) continue;
      if (!quotaSelectsPod(quota, pod.template, pod.shape, inventory)) continue;
      const rejectedFor = [...new Set(allContainers(pod.shape).flatMap((c) => missingQuotaKeys(c, pod.shape, items)))].sort();
      charges.push({ workload, budget, totals: effectivePodResources(pod.shape), appTotals: effectivePodResources(pod.appShape), rejectedFor });
    }
  }
  return charges;
}

/**
 * The other side of the relation: an injected pod that lacks a request/limit some quota of its
 * namespace requires is rejected at admission. Reported here, on the workload, once per container.
 */
function checkWorkload(workload: Resource, context: RuleContext): void {
  if (isOwned(workload)) return;
  const pod = workloadPodOf(workload, context.inventory, context.mesh);
  if (!pod) return;
  const quotas = context.inventory
    .ofKind('ResourceQuota', workload.namespace)
    .map((quota) => ({ quota, items: quotaItemsOf(quota).items }))
    .filter(({ quota, items }) => items.some((i) => i.kind === 'compute') && quotaSelectsPod(quota, pod.template, pod.shape, context.inventory));
  if (quotas.length === 0) return;
  // The quota sums above leave out what does not parse; say so where it is. Proxy annotations are
  // sidecar-proxy-resources' to report.
  for (const problem of pod.problems) {
    if (pod.proxy?.problems.includes(problem)) continue;
    context.report({
      path: problem.path,
      messageId: 'badContainerQuantity',
      message: `${problem.what}: ${problem.error}; the API server rejects the pod, and the quota arithmetic of ${quotas.map((q) => describeQuota(q.quota)).join(', ')} leaves it out`,
      related: quotas.map((q) => ref(q.quota)),
    });
  }
  if (!pod.injection.injected || !pod.proxy) return;
  const badPaths = new Set(pod.problems.map((p) => JSON.stringify(p.path)));

  for (const container of allContainers(pod.shape)) {
    // istio-init is sized like istio-proxy: one finding covers both.
    if (container.origin === 'istio-init') continue;
    // A value that does not parse was already reported as such (badContainerQuantity / badQuantity).
    const unparsable = (key: string): boolean => badPaths.has(JSON.stringify([...container.path, 'resources', ...key.split('.')]));
    const requiring = quotas
      .map(({ quota, items }) => ({ quota, missing: missingQuotaKeys(container, pod.shape, items).filter((key) => !unparsable(key)) }))
      .filter((q) => q.missing.length > 0);
    if (requiring.length === 0) continue;
    const missing = [...new Set(requiring.flatMap((q) => q.missing))].sort();
    const quotasText = requiring.map((q) => `${describeQuota(q.quota)} requires ${q.missing.join(', ')}`).join('; ');
    const consequence = `the API server rejects every pod of this ${workload.kind} (injected: ${describeInjection(pod.injection, workload.namespace)})`;
    if (container.origin === 'istio-proxy') {
      const annotated = pod.proxy.annotated.map((a) => a.key);
      const why =
        pod.proxy.source === 'annotations'
          ? `only ${annotated.join(', ')} ${annotated.length === 1 ? 'is' : 'are'} annotated, and Istio then drops every other proxy default`
          : 'the mesh proxy defaults (mesh.proxyResources) do not set it';
      context.report({
        path: container.path,
        messageId: 'proxyMissingForQuota',
        message: `${describeProxyContainers(pod)} set no ${missing.join(', ')} — ${why} — but ${quotasText}: ${consequence}; set all four sidecar.istio.io/proxy* annotations`,
        related: requiring.map((q) => ref(q.quota)),
      });
    } else {
      context.report({
        path: container.path,
        messageId: 'containerMissingForQuota',
        message: `container ${container.name} sets no ${missing.join(', ')} but ${quotasText}: ${consequence}`,
        related: requiring.map((q) => ref(q.quota)),
      });
    }
  }
}

function name(workload: Resource): string {
  return `${workload.kind} ${workload.namespace}/${workload.name}`;
}

function more(total: number, shown: number): string {
  return total > shown ? ` and ${total - shown} more` : '';
}

function ref(resource: Resource): ResourceRef {
  return { apiVersion: resource.apiVersion, kind: resource.kind, ...(resource.namespace !== undefined ? { namespace: resource.namespace } : {}), name: resource.name };
}

function refs(charges: readonly Charge[]): ResourceRef[] {
  return charges.map((c) => ref(c.workload));
}
