import { isIstio, specOf } from '../../model/istio/api.js';
import { normalizeHost } from '../../model/istio/hosts.js';
import { otherClusters, type ClusterView } from '../../model/clusters.js';
import type { Resource } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';
import { canonical, placeIn, valueAt } from './common.js';

const COMPARED = ['DestinationRule', 'VirtualService', 'ServiceEntry'] as const;
/** Istio configuration kinds: what a remote cluster's API server holds but no control plane reads. */
const ISTIO_CONFIG_KINDS = [...COMPARED, 'Gateway', 'Sidecar', 'PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication', 'EnvoyFilter', 'Telemetry', 'WasmPlugin', 'WorkloadEntry', 'WorkloadGroup', 'ProxyConfig'];

/**
 * Multi-primary: each istiod reads Istio config from its own cluster only, so the same traffic config
 * must be applied everywhere. External control plane / primary-remote: config is read from the config
 * cluster only; config applied to a remote cluster is silently ignored.
 */
export const clusterTrafficConsistencyRule: Rule = {
  meta: {
    id: 'cluster-traffic-consistency',
    title: 'Traffic configuration is the same in every primary cluster, and only where a control plane reads it',
    description:
      'With a control plane per cluster (multi-primary), a DestinationRule, VirtualService or ServiceEntry for one host must be ' +
      'the same in every cluster: a DestinationRule TLS mode that differs is an error, other differences a warning. With ' +
      '`controlPlane:` (external control plane), Istio config in a remote cluster\'s own paths is not read (warning).',
    severity: 'warning',
    helpUri: ruleDocsUri('cluster-traffic-consistency'),
    tags: ['mesh', 'multicluster', 'traffic'],
    appliesTo: { family: 'kubernetes', kinds: ISTIO_CONFIG_KINDS },
  },
  check(resource, context) {
    if (!context.cluster || !/\.istio\.io\//.test(resource.apiVersion)) return;
    const { current, controlPlane } = context.cluster;
    if (controlPlane !== undefined) {
      if (current.name !== controlPlane && !current.isShared(resource)) {
        context.report({
          path: ['kind'],
          messageId: 'notReadInRemote',
          message: `${resource.kind} ${resource.namespace ?? ''}/${resource.name} is applied to ${current.name}, a remote cluster: the control plane in ${controlPlane} reads Istio config from its own cluster only, so this has no effect. Move it to ${controlPlane}'s paths or shared`,
        });
      }
      return;
    }
    if (!(COMPARED as readonly string[]).includes(resource.kind) || !isIstio(resource, resource.kind as (typeof COMPARED)[number])) return;
    for (const cluster of otherClusters(context.cluster)) compareWith(resource, cluster, context);
  },
};

function compareWith(resource: Resource, cluster: ClusterView, context: RuleContext): void {
  const here = context.cluster!.current.name;
  const other = counterpartIn(resource, cluster);
  const what = describe(resource);
  if (!other) {
    context.report({
      path: ['spec'],
      messageId: 'missingInCluster',
      message: `${what} exists in ${here} but not in ${cluster.name}: with a control plane per cluster, clients in ${cluster.name} route ${hostsOf(resource)} without it. Apply the same config to every cluster`,
    });
    return;
  }
  if (other === resource) return;
  if (resource.kind === 'DestinationRule') {
    const path = ['spec', 'trafficPolicy', 'tls', 'mode'];
    const mine = valueAt(resource.object, path) ?? 'unset (auto mTLS)';
    const theirs = valueAt(other.object, path) ?? 'unset (auto mTLS)';
    if (mine !== theirs) {
      context.report({
        path,
        messageId: 'tlsModeDiffers',
        severity: 'error',
        message: `${what}: TLS mode ${String(mine)} in ${here} but ${String(theirs)} in ${placeIn(cluster, other, path)}: the same call is encrypted in one cluster and not the other`,
        related: [other],
      });
      return;
    }
  }
  if (canonical(specOf(resource)) !== canonical(specOf(other))) {
    context.report({
      path: ['spec'],
      messageId: 'specDiffers',
      message: `${what} differs between ${here} and ${placeIn(cluster, other, ['spec'])}: traffic to ${hostsOf(resource)} behaves differently depending on the client's cluster`,
      related: [other],
    });
  }
}

/** The same config in another cluster: a DestinationRule by namespace and host, the others by name. */
function counterpartIn(resource: Resource, cluster: ClusterView): Resource | undefined {
  if (resource.kind === 'DestinationRule') {
    const host = specOf(resource).host;
    if (typeof host !== 'string') return undefined;
    return cluster.inventory.ofKind('DestinationRule', resource.namespace).find((r) => typeof specOf(r).host === 'string' && normalizeHost(specOf(r).host as string) === normalizeHost(host));
  }
  return cluster.inventory.get(resource.kind, resource.namespace, resource.name);
}

function describe(resource: Resource): string {
  return `${resource.kind} ${resource.namespace ?? ''}/${resource.name}`;
}

function hostsOf(resource: Resource): string {
  const spec = specOf(resource);
  if (typeof spec.host === 'string') return spec.host;
  if (Array.isArray(spec.hosts)) return spec.hosts.filter((h) => typeof h === 'string').join(', ') || resource.name;
  return resource.name;
}
