import type { MeshSettings } from '../mesh-settings.js';
import { compareTreeOrder, type Inventory } from '../inventory.js';
import { memoize, overlaidObject } from '../memo.js';
import { injectionOf } from '../mesh/injection.js';
import type { JsonPath, Resource } from '../types.js';
import { POD_BEARING_KINDS } from '../workload.js';
import { crossesNamespace, networkPoliciesIn } from './admission.js';
import { isDefaultDeny, type NetworkPolicyModel, type PolicyDirection, type PolicyPeer, type PolicyPort } from './policy.js';
import { NAMESPACE_NAME_LABEL, describeSelector, pinnedValues } from './selector.js';

/**
 * The sidecar intercepts TCP only: UDP (and SCTP) between pods is plain, unauthenticated traffic that
 * Istio never sees. The only fence is NetworkPolicy, so meshed namespaces deny by default and never
 * open non-TCP protocols across namespace or cluster boundaries (DNS to kube-dns excepted).
 */

/**
 * Injected pod-bearing workloads of one namespace (sidecars, not gateways), in tree order. Per namespace (reading only that
 * namespace's workloads), so an admission request in one namespace leaves the others' views intact.
 */
export function injectedWorkloadsIn(namespace: string, inventory: Inventory, mesh: MeshSettings): Resource[] {
  return memoize(inventory, mesh, `network/injected/${namespace}`, (tree) => {
    const change = overlaidObject(tree);
    if (change && change.resource.namespace === namespace && (POD_BEARING_KINDS as readonly string[]).includes(change.resource.kind)) {
      // An admitted workload edits the snapshot's list instead of re-deciding injection for the namespace.
      const { base, resource, replaced } = change;
      const list = injectedWorkloadsIn(namespace, base, mesh);
      const admitted = isInjectedSidecar(resource, tree, mesh);
      const removed = replaced !== undefined && isInjectedSidecar(replaced, base, mesh);
      if (!admitted) return removed ? list.filter((r) => r !== replaced) : list;
      // The sort is stable: with no other workload at the admitted one's place in tree order, where it
      // lands does not depend on where it started, so the list is the one a fresh inventory gives.
      if (!list.some((r) => r !== replaced && compareTreeOrder(r, resource) === 0)) {
        return (removed ? list.map((r) => (r === replaced ? resource : r)) : [...list, resource]).sort(compareTreeOrder);
      }
    }
    return POD_BEARING_KINDS.flatMap((kind) => tree.ofKind(kind, namespace))
      .filter((resource) => isInjectedSidecar(resource, tree, mesh))
      .sort(compareTreeOrder);
  });
}

/** Gateway pods are not sidecars: their proxy IS the workload, reached from outside the mesh by design. */
function isInjectedSidecar(resource: Resource, inventory: Inventory, mesh: MeshSettings): boolean {
  const injection = injectionOf(resource, inventory, mesh);
  return injection?.injected === true && !injection.gateway;
}

/** The directions (of those asked for) for which no default-deny policy exists in the namespace. */
export function missingDefaultDeny(namespace: string, inventory: Inventory, directions: readonly PolicyDirection[]): PolicyDirection[] {
  const policies = networkPoliciesIn(namespace, inventory);
  return directions.filter((direction) => !policies.some((p) => isDefaultDeny(p, direction)));
}

/** A rule entry that lets non-TCP traffic cross the namespace (or cluster) boundary. */
export interface NonTcpOpening {
  policy: NetworkPolicyModel;
  direction: PolicyDirection;
  /** `allProtocols`: the rule lists no ports; `protocol`: a UDP/SCTP port entry. */
  kind: 'allProtocols' | 'protocol';
  path: JsonPath;
  /** For `protocol`: `UDP 5353`. */
  port?: string;
  /** The peers beyond the namespace, described. */
  peers: string[];
}

export function nonTcpOpenings(policy: NetworkPolicyModel): NonTcpOpening[] {
  const out: NonTcpOpening[] = [];
  for (const direction of policy.policyTypes) {
    // Rules of a direction missing from policyTypes are ignored by Kubernetes.
    for (const rule of direction === 'Ingress' ? policy.ingress : policy.egress) {
      const beyond = rule.everyPeer ? undefined : rule.peers.filter((peer) => crossesNamespace(peer, policy.namespace));
      if (beyond && beyond.length === 0) continue;
      if (rule.everyPort) {
        if (!beyond) out.push({ policy, direction, kind: 'allProtocols', path: rule.everyPeerPath, peers: [everyone(direction)] });
        else for (const peer of beyond) out.push({ policy, direction, kind: 'allProtocols', path: peer.path, peers: [describePeer(peer)] });
        continue;
      }
      for (const port of rule.ports) {
        if (port.protocol === 'TCP') continue;
        // DNS to kube-dns is the one UDP flow every pod needs (the sidecar's DNS proxy, when on, still asks kube-dns).
        const peers = beyond ? beyond.filter((peer) => !(direction === 'Egress' && isKubeDnsPeer(peer) && isDnsPort(port))) : undefined;
        if (peers && peers.length === 0) continue;
        out.push({
          policy,
          direction,
          kind: 'protocol',
          path: port.path,
          port: `${port.protocol} ${port.port === undefined ? 'any port' : port.endPort !== undefined ? `${port.port}-${port.endPort}` : port.port}`,
          peers: peers ? peers.map(describePeer) : [everyone(direction)],
        });
      }
    }
  }
  return out;
}

function everyone(direction: PolicyDirection): string {
  return direction === 'Ingress' ? 'every source (no `from`)' : 'every destination (no `to`)';
}

/** kube-dns as the cluster labels it: namespace kube-system (by name) and pods `k8s-app=kube-dns` (CoreDNS keeps the label). */
export function isKubeDnsPeer(peer: PolicyPeer): boolean {
  if (peer.kind !== 'selector' || !peer.namespaceSelector || !peer.podSelector) return false;
  const namespaces = pinnedValues(peer.namespaceSelector, NAMESPACE_NAME_LABEL);
  const apps = pinnedValues(peer.podSelector, 'k8s-app');
  return namespaces !== undefined && namespaces.length > 0 && namespaces.every((n) => n === 'kube-system') && apps !== undefined && apps.length > 0 && apps.every((a) => a === 'kube-dns');
}

function isDnsPort(port: PolicyPort): boolean {
  if (port.protocol !== 'UDP' && port.protocol !== 'TCP') return false;
  if (port.port === 53) return port.endPort === undefined || port.endPort === 53;
  // kube-dns/CoreDNS name their container ports dns (UDP) and dns-tcp (TCP).
  return port.port === 'dns' || port.port === 'dns-tcp';
}

export function describePeer(peer: PolicyPeer): string {
  if (peer.kind === 'ipBlock') return `ipBlock ${peer.cidrText}${peer.except.length > 0 ? ` except ${peer.except.map((c) => c.text).join(', ')}` : ''}`;
  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaceSelector ${describeSelector(peer.namespaceSelector)}`);
  if (peer.podSelector) parts.push(`podSelector ${describeSelector(peer.podSelector)}`);
  return parts.join(' + ');
}
