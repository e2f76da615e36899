import type { Inventory } from '../inventory.js';
import { memoize, perObject } from '../memo.js';
import type { Resource } from '../types.js';
import { getIn, isRecord, podTemplateOf } from '../workload.js';
import { isAnyAddress } from './cidr.js';
import { isNetworkPolicy, parseNetworkPolicy, type NetworkPolicyModel, type PolicyDirection, type PolicyPeer, type PolicyPort, type PolicyRule, type Protocol } from './policy.js';
import { ALL_PORTS, type PortRange } from './ports.js';
import { NAMESPACE_NAME_LABEL, isEmptySelector, pinnedValues, selectorMatches, type LabelSelector } from './selector.js';

/** What NetworkPolicy needs to know about the pods of a workload. */
export interface PodEndpoint {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  containerPorts: ContainerPort[];
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export const podEndpointOf: (resource: Resource) => PodEndpoint | undefined = perObject(derivePodEndpoint);

function derivePodEndpoint(resource: Resource): PodEndpoint | undefined {
  const template = podTemplateOf(resource);
  if (!template) return undefined;
  const containerPorts: ContainerPort[] = [];
  for (const key of ['containers', 'initContainers']) {
    const containers = template.spec[key];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      const ports = getIn(container, ['ports']);
      if (!Array.isArray(ports)) continue;
      for (const p of ports) {
        if (!isRecord(p) || typeof p.containerPort !== 'number') continue;
        const protocol: Protocol = p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP';
        containerPorts.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: p.containerPort, protocol });
      }
    }
  }
  return { namespace: resource.namespace ?? '', labels: template.labels, containerPorts };
}

/** Every NetworkPolicy of the tree, parsed (each policy once per resource object). */
export function networkPoliciesOf(inventory: Inventory): NetworkPolicyModel[] {
  return inventory.ofKind('NetworkPolicy').filter(isNetworkPolicy).map(parseNetworkPolicy);
}

/** Policies whose podSelector picks the pod (same namespace only) and that isolate it for `direction`. */
export function policiesSelecting(pod: PodEndpoint, inventory: Inventory, direction: PolicyDirection): NetworkPolicyModel[] {
  // NetworkPolicies select pods of their own namespace only: read just that namespace's policies.
  return networkPoliciesIn(pod.namespace, inventory).filter((policy) => policy.policyTypes.includes(direction) && selectorMatches(policy.podSelector, pod.labels));
}

/** The parsed NetworkPolicies of one namespace (a view of that namespace only). */
export function networkPoliciesIn(namespace: string, inventory: Inventory): NetworkPolicyModel[] {
  return memoize(inventory, `network/policies/${namespace}`, (tree) => tree.ofKind('NetworkPolicy', namespace).filter(isNetworkPolicy).map(parseNetworkPolicy));
}

/** Labels of a namespace as selectors see them: the Namespace object's, plus the automatic name label. */
export function namespaceLabels(name: string, inventory: Inventory): Record<string, string> {
  return { ...(inventory.namespace(name)?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
}

/**
 * How far a peer reaches. `everyone`: a rule without peers (any source, in or outside the cluster);
 * `allNamespaces`: namespaceSelector `{}`, optionally narrowed by a podSelector (`podLabels`);
 * `anyAddress`: an ipBlock of prefix length 0; `namespaces`: a non-empty namespaceSelector;
 * `sameNamespace`: a podSelector alone; `addresses`: a narrower ipBlock.
 */
export type PeerReach =
  | { kind: 'everyone' }
  | { kind: 'allNamespaces'; podLabels?: LabelSelector }
  | { kind: 'anyAddress'; cidr: string; except: string[] }
  | { kind: 'namespaces'; selector: LabelSelector; podSelector?: LabelSelector }
  | { kind: 'sameNamespace'; podSelector: LabelSelector }
  | { kind: 'addresses'; cidr: string };

export function peerReach(peer: PolicyPeer): PeerReach {
  if (peer.kind === 'ipBlock') {
    if (peer.cidr && isAnyAddress(peer.cidr)) return { kind: 'anyAddress', cidr: peer.cidrText, except: peer.except.map((c) => c.text) };
    return { kind: 'addresses', cidr: peer.cidrText };
  }
  if (!peer.namespaceSelector) return { kind: 'sameNamespace', podSelector: peer.podSelector! };
  if (isEmptySelector(peer.namespaceSelector)) {
    return peer.podSelector && !isEmptySelector(peer.podSelector) ? { kind: 'allNamespaces', podLabels: peer.podSelector } : { kind: 'allNamespaces' };
  }
  return { kind: 'namespaces', selector: peer.namespaceSelector, ...(peer.podSelector ? { podSelector: peer.podSelector } : {}) };
}

/**
 * True when the peer can reach beyond the policy's own namespace: any namespaceSelector that does
 * not pin `kubernetes.io/metadata.name` to that namespace alone, and every ipBlock.
 */
export function crossesNamespace(peer: PolicyPeer, policyNamespace: string): boolean {
  if (peer.kind === 'ipBlock') return true;
  if (!peer.namespaceSelector) return false;
  const names = pinnedValues(peer.namespaceSelector, NAMESPACE_NAME_LABEL);
  return names === undefined || names.some((n) => n !== policyNamespace);
}

/** True when the peer selects the namespace `name` (by its labels in the tree) and pods carrying `labels`. */
export function peerSelects(peer: PolicyPeer, policyNamespace: string, name: string, labels: Readonly<Record<string, string>>, inventory: Inventory): boolean {
  if (peer.kind === 'ipBlock') return false;
  const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabels(name, inventory)) : name === policyNamespace;
  return namespaceOk && (!peer.podSelector || selectorMatches(peer.podSelector, labels));
}

/**
 * Port ranges a port entry admits for `protocol`. Named ports resolve against `pod`'s container ports
 * (the selected pod for ingress); without a pod to resolve against (egress names ports of the unknown
 * destination) a named port is assumed to admit any port: the conservative reading.
 */
export function admittedPorts(port: PolicyPort, protocol: Protocol, pod?: PodEndpoint): PortRange[] {
  if (port.protocol !== protocol) return [];
  if (port.port === undefined) return [ALL_PORTS];
  if (typeof port.port === 'number') return [{ from: port.port, to: port.endPort !== undefined && port.endPort >= port.port ? port.endPort : port.port }];
  if (!pod) return [ALL_PORTS];
  return pod.containerPorts.filter((c) => c.name === port.port && c.protocol === protocol).map((c) => ({ from: c.port, to: c.port }));
}

/** Port ranges a whole rule admits for `protocol` (every port when the rule lists none). */
export function ruleAdmittedPorts(rule: PolicyRule, protocol: Protocol, pod?: PodEndpoint): PortRange[] {
  if (rule.everyPort) return [ALL_PORTS];
  return rule.ports.flatMap((p) => admittedPorts(p, protocol, pod));
}

/** `NetworkPolicy team/allow-zk`. */
export function describePolicy(policy: NetworkPolicyModel): string {
  return `NetworkPolicy ${policy.namespace}/${policy.resource.name}`;
}
