import { isIstio, sameSelector } from '../../model/istio/api.js';
import { meshMtls, namespaceMtls, resolvePeerAuthentications, type EffectiveMtls, type PeerAuthenticationPolicy, type PeerAuthenticationSet } from '../../model/istio/peer-authentication.js';
import { otherClusters, type ClusterView } from '../../model/clusters.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { canonical, placeIn } from './common.js';

/**
 * A PeerAuthentication is enforced by the receiving proxy with its own control plane's config: when a
 * namespace is STRICT in one cluster and PERMISSIVE in another, cross-cluster calls into the weaker
 * cluster are accepted in plaintext, and the mesh's mTLS posture depends on where a pod was scheduled.
 */
export const clusterMtlsConsistencyRule: Rule = {
  meta: {
    id: 'cluster-mtls-consistency',
    title: 'Every cluster enforces the same mTLS mode',
    description:
      'The effective PeerAuthentication mode (mesh-wide, per namespace, per workload selector and per port) must be the same in ' +
      'every cluster of the mesh: the receiving cluster decides whether plaintext is accepted.',
    severity: 'error',
    helpUri: ruleDocsUri('cluster-mtls-consistency'),
    tags: ['mesh', 'multicluster', 'mtls', 'security'],
    appliesTo: { family: 'kubernetes', kinds: ['PeerAuthentication'] },
  },
  check(resource, context) {
    if (!context.cluster || !isIstio(resource, 'PeerAuthentication')) return;
    const root = context.mesh.rootNamespace;
    const here = context.cluster.current;
    const mineSet = resolvePeerAuthentications(here.inventory, root);
    const policy = mineSet.all.find((p) => p.resource === resource);
    if (!policy || mineSet.ignored.some((i) => i.policy === policy)) return;
    const mine = effectiveFor(mineSet, policy);
    for (const cluster of otherClusters(context.cluster)) {
      const theirSet = resolvePeerAuthentications(cluster.inventory, root);
      const counterpart = counterpartOf(theirSet, policy);
      const theirs = counterpart ? effectiveFor(theirSet, counterpart) : inherited(theirSet, policy);
      const ports = canonical(policy.ports.map((p) => [p.port, p.mode]));
      const theirPorts = canonical((counterpart?.ports ?? []).map((p) => [p.port, p.mode]));
      if (theirs.mode === mine.mode && (policy.scope !== 'workload' || ports === theirPorts)) continue;
      // The same shared object everywhere: nothing differs in the policy itself.
      if (counterpart?.resource === resource && theirs.mode === mine.mode) continue;
      const what = policy.scope === 'mesh' ? 'the mesh' : policy.scope === 'namespace' ? `namespace ${policy.namespace}` : `workloads ${canonical(policy.selector)} in ${policy.namespace}`;
      const detail = theirs.mode === mine.mode ? `port-level modes differ (${ports} vs ${theirPorts})` : `${mine.mode} in ${here.name} but ${theirs.mode} in ${describe(cluster, theirs)}`;
      context.report({
        path: policy.modePath,
        messageId: 'modeDiffers',
        message: `mTLS for ${what} differs between clusters: ${detail}. Calls arriving in the weaker cluster accept what the other refuses; apply the same PeerAuthentication to every cluster`,
        ...(theirs.policy ? { related: [theirs.policy.resource] } : {}),
      });
    }
  },
};

function effectiveFor(set: PeerAuthenticationSet, policy: PeerAuthenticationPolicy): EffectiveMtls {
  if (policy.mode !== 'UNSET') return { mode: policy.mode, policy, scope: policy.scope, path: policy.modePath };
  return inherited(set, policy);
}

/** What the scope of `policy` gets in a cluster without a counterpart policy. */
function inherited(set: PeerAuthenticationSet, policy: PeerAuthenticationPolicy): EffectiveMtls {
  if (policy.scope === 'mesh') return { mode: 'PERMISSIVE', scope: 'default' };
  if (policy.scope === 'namespace') return meshMtls(set);
  return namespaceMtls(set, policy.namespace);
}

function counterpartOf(set: PeerAuthenticationSet, policy: PeerAuthenticationPolicy): PeerAuthenticationPolicy | undefined {
  if (policy.scope === 'mesh') return set.meshWide;
  if (policy.scope === 'namespace') return set.namespaceWide.get(policy.namespace);
  return set.workload.get(policy.namespace)?.find((p) => p.selector !== undefined && policy.selector !== undefined && sameSelector(p.selector, policy.selector));
}

function describe(cluster: ClusterView, effective: EffectiveMtls): string {
  if (!effective.policy) return `${cluster.name} (no PeerAuthentication: Istio's PERMISSIVE default)`;
  return placeIn(cluster, effective.policy.resource, effective.policy.modePath);
}
