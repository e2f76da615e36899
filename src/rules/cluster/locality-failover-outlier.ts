import { isIstio, specOf } from '../../model/istio/api.js';
import type { JsonPath } from '../../model/types.js';
import { isRecord } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { meshConfigOf } from './common.js';

/**
 * Istio only fails over (or distributes) by locality when outlier detection is on for the destination:
 * without it, unhealthy endpoints are never ejected, so traffic never leaves the local zone or region
 * (istio.io "Locality failover": "outlier detection must be configured").
 */
export const localityFailoverOutlierRule: Rule = {
  meta: {
    id: 'locality-failover-outlier',
    title: 'Locality failover needs outlier detection',
    description:
      'A DestinationRule traffic policy with loadBalancer.localityLbSetting failover or failoverPriority, or a mesh-wide ' +
      'locality failover setting, without outlierDetection in effect for that host: Istio never fails over.',
    severity: 'error',
    helpUri: ruleDocsUri('locality-failover-outlier'),
    tags: ['mesh', 'multicluster', 'traffic'],
    appliesTo: { family: 'kubernetes', kinds: ['DestinationRule'] },
  },
  check(resource, context) {
    if (!isIstio(resource, 'DestinationRule')) return;
    const spec = specOf(resource);
    const top = isRecord(spec.trafficPolicy) ? spec.trafficPolicy : undefined;
    const host = typeof spec.host === 'string' ? spec.host : '?';
    // Subset and port-level policies inherit each field the top level sets (pilot MergeTrafficPolicy).
    const policies: { policy: Record<string, unknown>; path: JsonPath; inherited?: Record<string, unknown> }[] = [];
    if (top) {
      policies.push({ policy: top, path: ['spec', 'trafficPolicy'] });
      portLevel(top).forEach((p, i) => policies.push({ policy: p, path: ['spec', 'trafficPolicy', 'portLevelSettings', i], inherited: top }));
    }
    const subsets = Array.isArray(spec.subsets) ? spec.subsets : [];
    subsets.forEach((subset, i) => {
      if (!isRecord(subset) || !isRecord(subset.trafficPolicy)) return;
      const policy = subset.trafficPolicy;
      policies.push({ policy, path: ['spec', 'subsets', i, 'trafficPolicy'], ...(top ? { inherited: top } : {}) });
      portLevel(policy).forEach((p, j) => policies.push({ policy: p, path: ['spec', 'subsets', i, 'trafficPolicy', 'portLevelSettings', j], inherited: { ...top, ...policy } }));
    });
    for (const { policy, path, inherited } of policies) {
      const locality = localitySetting(policy.loadBalancer);
      if (!locality || policy.outlierDetection !== undefined || inherited?.outlierDetection !== undefined) continue;
      context.report({
        path: [...path, 'loadBalancer', 'localityLbSetting'],
        messageId: 'noOutlierDetection',
        message: `localityLbSetting (${locality}) for ${host} has no outlierDetection in effect: Istio cannot tell that endpoints are unhealthy, so locality failover never happens. Add outlierDetection (e.g. consecutive5xxErrors, interval, baseEjectionTime) to this traffic policy`,
      });
    }
    // A mesh-wide locality setting needs outlier detection on every destination it should fail over.
    const clusterMesh = context.cluster ? meshConfigOf(context.cluster.current, context.mesh.rootNamespace).localityLb : undefined;
    if (clusterMesh && !policies.some(({ policy, inherited }) => policy.outlierDetection !== undefined || inherited?.outlierDetection !== undefined)) {
      context.report({
        path: top ? ['spec', 'trafficPolicy'] : ['spec'],
        messageId: 'meshLocalityNoOutlierDetection',
        message: `the mesh enables locality load balancing (${clusterMesh.resource.kind} ${clusterMesh.resource.name}) but this DestinationRule for ${host} sets no outlierDetection: failover never happens for it`,
        related: [clusterMesh.resource],
      });
    }
  },
};

function portLevel(policy: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings.filter(isRecord) : [];
}

function localitySetting(loadBalancer: unknown): string | undefined {
  if (!isRecord(loadBalancer) || !isRecord(loadBalancer.localityLbSetting)) return undefined;
  const setting = loadBalancer.localityLbSetting;
  if (setting.enabled === false) return undefined;
  // `distribute` only weights localities and needs no health signal (pilot's ApplyLocalityLoadBalancer
  // applies it unconditionally); failover only happens when outlier detection is enabled.
  const used = ['failover', 'failoverPriority'].filter((k) => setting[k] !== undefined);
  return used.length > 0 ? used.join(', ') : undefined;
}
