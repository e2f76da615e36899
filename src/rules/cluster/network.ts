import { isIstio, specOf } from '../../model/istio/api.js';
import { otherClusters, type ClusterView } from '../../model/clusters.js';
import { isRecord } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { clusterAnchor, meshConfigOf } from './common.js';

const NETWORK_LABEL = 'topology.istio.io/network';

/**
 * Istio reads a cluster's network from the `topology.istio.io/network` label of the control plane's
 * namespace (or the installation's `values.global.network`). Clusters on the same network reach each
 * other's pods directly; clusters on different networks only through an east-west gateway exposing
 * port 15443 with `AUTO_PASSTHROUGH` for `*.local` (istio.io "Install multi-primary on different networks").
 */
export const clusterNetworkRule: Rule = {
  meta: {
    id: 'cluster-network',
    title: 'Each cluster is on its declared network, and networks are joined by east-west gateways',
    description:
      'The topology.istio.io/network label of the root namespace, or the installation\'s network, must match the cluster\'s ' +
      'declared `network`; a cluster whose network differs from another cluster\'s needs an east-west gateway (Gateway on port ' +
      '15443, tls.mode AUTO_PASSTHROUGH, hosts *.local).',
    severity: 'error',
    helpUri: ruleDocsUri('cluster-network'),
    tags: ['mesh', 'multicluster', 'network'],
    appliesTo: { family: 'kubernetes' },
  },
  check(resource, context) {
    if (!context.cluster) return;
    const here = context.cluster.current;
    const root = context.mesh.rootNamespace;
    const declared = here.network;
    if (declared && resource.kind === 'Namespace' && resource.name === root) {
      const label = resource.labels[NETWORK_LABEL];
      if (label !== undefined && label !== declared) {
        context.report({
          path: ['metadata', 'labels', NETWORK_LABEL],
          messageId: 'labelMismatch',
          message: `${here.name} is declared on network ${declared}, but its ${root} namespace says ${NETWORK_LABEL}=${label}: Istio routes to its endpoints as if on ${label}`,
        });
      }
    }
    const installed = meshConfigOf(here, root).network;
    if (declared && installed && installed.resource === resource && installed.value !== declared) {
      context.report({
        path: installed.path,
        messageId: 'installMismatch',
        message: `${here.name} is declared on network ${declared}, but its installation sets network ${installed.value}`,
      });
    }
    if (!declared || resource !== clusterAnchor(here, root)) return;
    const elsewhere = otherClusters(context.cluster).filter((c) => c.network !== undefined && c.network !== declared);
    if (elsewhere.length === 0 || hasEastWestGateway(here)) return;
    context.report({
      path: [],
      messageId: 'noEastWestGateway',
      missingCompanion: true,
      message: `${here.name} (network ${declared}) shares the mesh with ${elsewhere.map((c) => `${c.name} (network ${c.network})`).join(', ')} but has no east-west gateway: add a Gateway exposing port 15443 with tls.mode AUTO_PASSTHROUGH for hosts "*.local", or cross-network calls fail`,
    });
  },
};

function hasEastWestGateway(cluster: ClusterView): boolean {
  return cluster.inventory.ofKind('Gateway').some((gateway) => {
    if (!isIstio(gateway, 'Gateway')) return false;
    const servers = specOf(gateway).servers;
    return Array.isArray(servers) && servers.some((server) => {
      if (!isRecord(server) || !isRecord(server.port) || !isRecord(server.tls)) return false;
      const hosts = Array.isArray(server.hosts) ? server.hosts : [];
      return Number(server.port.number) === 15443 && server.tls.mode === 'AUTO_PASSTHROUGH' && hosts.some((h) => h === '*.local' || h === '*');
    });
  });
}

