import { otherClusters } from '../../model/clusters.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { meshConfigOf, placeIn, type MeshConfigOf } from './common.js';

/** Istio's default trust domain (meshConfig.trustDomain). */
const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * One mesh is one trust domain with one root of trust: workload identities are
 * `spiffe://<trust domain>/ns/<ns>/sa/<sa>`, so a cluster with another trust domain (or mesh ID) fails
 * mTLS and authorization with the others.
 */
export const clusterTrustRule: Rule = {
  meta: {
    id: 'cluster-trust',
    title: 'All clusters share one trust domain and mesh ID',
    description:
      'The trust domain (meshConfig.trustDomain, default cluster.local) and the mesh ID (values.global.meshID) of each cluster\'s ' +
      'installation (IstioOperator, or the istio ConfigMap\'s mesh key) must be the same in every cluster of the mesh.',
    severity: 'error',
    helpUri: ruleDocsUri('cluster-trust'),
    tags: ['mesh', 'multicluster', 'security'],
    appliesTo: { family: 'kubernetes', kinds: ['IstioOperator', 'ConfigMap'] },
  },
  check(resource, context) {
    if (!context.cluster) return;
    const root = context.mesh.rootNamespace;
    const here = context.cluster.current;
    const mine = meshConfigOf(here, root);
    for (const key of ['trustDomain', 'meshId'] as const) {
      const setting = mine[key];
      if (!setting || setting.resource !== resource) continue;
      for (const cluster of otherClusters(context.cluster)) {
        const theirsConfig = meshConfigOf(cluster, root);
        const theirs = valueOf(theirsConfig, key, cluster.inventory.ofKind('IstioOperator').length > 0 || theirsConfig.trustDomain !== undefined);
        if (theirs === undefined || theirs.value === setting.value) continue;
        const where = theirs.setting ? placeIn(cluster, theirs.setting.resource, theirs.setting.path) : `${cluster.name} (Istio's default)`;
        context.report({
          path: setting.path,
          messageId: key === 'trustDomain' ? 'trustDomainDiffers' : 'meshIdDiffers',
          message: `${key === 'trustDomain' ? 'trust domain' : 'mesh ID'} ${setting.value} in ${here.name} but ${theirs.value} in ${where}: one mesh needs one ${key === 'trustDomain' ? 'trust domain and a shared root of trust' : 'mesh ID'}, or mTLS between the clusters fails`,
          ...(theirs.setting ? { related: [theirs.setting.resource] } : {}),
        });
      }
    }
  },
};

/** A cluster's value, or Istio's default trust domain when the cluster has an installation that sets none. */
function valueOf(config: MeshConfigOf, key: 'trustDomain' | 'meshId', hasInstallation: boolean): { value: string; setting?: NonNullable<MeshConfigOf['trustDomain']> } | undefined {
  const setting = config[key];
  if (setting) return { value: setting.value, setting };
  if (key === 'trustDomain' && hasInstallation) return { value: DEFAULT_TRUST_DOMAIN };
  return undefined;
}
