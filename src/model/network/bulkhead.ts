import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import { memoize, overlaidObject } from '../memo.js';
import { captureOf, type CaptureBypass } from '../mesh/capture.js';
import { injectionOf } from '../mesh/injection.js';
import type { JsonPath, Resource } from '../types.js';
import { POD_BEARING_KINDS, podTemplateOf } from '../workload.js';
import { cidrContains } from './cidr.js';
import { peerReach, podEndpointOf, policiesSelecting, ruleAdmittedPorts, type PodEndpoint } from './admission.js';
import type { NetworkPolicyModel, PolicyDirection, PolicyPeer, PolicyRule } from './policy.js';
import { describePorts, intersectPortSet, normalize, type PortRange } from './ports.js';
import { describeSelector } from './selector.js';

/**
 * NetworkPolicy "bulkheads" behind capture bypasses: traffic that skips the sidecar has no mTLS and no
 * AuthorizationPolicy, so only NetworkPolicy decides who reaches it. The union of all policies selecting
 * the pod is what the CNI enforces (policies are additive), so ONE open rule is enough to leave a hole.
 */

/** An injected workload and the bypasses NetworkPolicy can govern (interface bypasses it cannot). */
export interface BypassingWorkload {
  resource: Resource;
  pod: PodEndpoint;
  bypasses: CaptureBypass[];
}

/** A bypass with no policy selecting the pod for that direction: the bypassed traffic is not filtered at all. */
export interface UnguardedBypass {
  resource: Resource;
  bypass: CaptureBypass;
  direction: PolicyDirection;
}

/** How an open entry reaches: no peers, every namespace, a pod label in every namespace, every address. */
export type OpenReach = 'everyone' | 'allNamespaces' | 'labelInAnyNamespace' | 'anyAddress';

/** A policy entry that admits bypassed traffic from/to an open peer, with every workload it exposes. */
export interface BypassExposure {
  policy: NetworkPolicyModel;
  direction: PolicyDirection;
  reach: OpenReach;
  /** The peer (or the rule, when it has no peers) that opens the hole. */
  path: JsonPath;
  /** `namespaceSelector: {}` + `podSelector: app=zk`: the labels that narrow it, for messages. */
  detail?: string;
  exposed: Array<{ resource: Resource; ports: PortRange[]; destinations?: string }>;
}

export interface BulkheadAnalysis {
  unguarded: UnguardedBypass[];
  exposures: BypassExposure[];
}

/**
 * The analysis of one namespace (NetworkPolicies select only pods of their own namespace), or of the
 * whole tree. Per namespace, an edit elsewhere leaves the analysis — and the results built on it — intact.
 */
export function bulkheadAnalysis(inventory: Inventory, mesh: MeshSettings, namespace?: string): BulkheadAnalysis {
  return memoize(inventory, mesh, `network/bulkhead/${namespace ?? '*'}`, (tree) => {
    const change = overlaidObject(tree);
    if (change && (POD_BEARING_KINDS as readonly string[]).includes(change.resource.kind)) {
      // Only bypassing workloads enter the analysis: a workload admitted in place of one that has no bypass
      // either (most have none) leaves it exactly as on the snapshot.
      const { base, resource, replaced } = change;
      if (!bypassingWorkload(resource, tree, mesh) && !(replaced && bypassingWorkload(replaced, base, mesh))) return bulkheadAnalysis(base, mesh, namespace);
    }
    return analyse(tree, mesh, namespace);
  });
}

/** Injected (sidecar, not gateway) workloads with at least one port/address bypass (capture on extra interfaces is out of NetworkPolicy's reach). */
export function bypassingWorkloads(inventory: Inventory, mesh: MeshSettings, namespace?: string): BypassingWorkload[] {
  const out: BypassingWorkload[] = [];
  for (const kind of POD_BEARING_KINDS) {
    for (const resource of inventory.ofKind(kind, namespace)) {
      const workload = bypassingWorkload(resource, inventory, mesh);
      if (workload) out.push(workload);
    }
  }
  return out;
}

function bypassingWorkload(resource: Resource, inventory: Inventory, mesh: MeshSettings): BypassingWorkload | undefined {
  const template = podTemplateOf(resource);
  const pod = podEndpointOf(resource);
  if (!template || !pod) return undefined;
  const bypasses = captureOf(template).bypasses.filter((b) => b.interfaces === undefined);
  if (bypasses.length === 0) return undefined;
  // Gateway pods capture nothing (no sidecar, no istio-init): their annotations and UID bypass no proxy.
  const injection = injectionOf(resource, inventory, mesh);
  if (!injection?.injected || injection.gateway) return undefined;
  return { resource, pod, bypasses };
}

function analyse(inventory: Inventory, mesh: MeshSettings, namespace: string | undefined): BulkheadAnalysis {
  const unguarded: UnguardedBypass[] = [];
  const exposures = new Map<string, BypassExposure>();
  for (const workload of bypassingWorkloads(inventory, mesh, namespace)) {
    for (const direction of ['Ingress', 'Egress'] as const) {
      const bypasses = workload.bypasses.filter((b) => b.direction === 'both' || b.direction === (direction === 'Ingress' ? 'inbound' : 'outbound'));
      if (bypasses.length === 0) continue;
      const policies = policiesSelecting(workload.pod, inventory, direction);
      if (policies.length === 0) {
        for (const bypass of bypasses) unguarded.push({ resource: workload.resource, bypass, direction });
        continue;
      }
      for (const policy of policies) {
        for (const rule of direction === 'Ingress' ? policy.ingress : policy.egress) {
          collectExposures(policy, rule, workload, bypasses, exposures);
        }
      }
    }
  }
  return { unguarded, exposures: [...exposures.values()] };
}

function collectExposures(policy: NetworkPolicyModel, rule: PolicyRule, workload: BypassingWorkload, bypasses: CaptureBypass[], out: Map<string, BypassExposure>): void {
  // Ingress named ports resolve against the selected pod; egress ones name ports of unknown destinations.
  const admitted = ruleAdmittedPorts(rule, 'TCP', rule.direction === 'Ingress' ? workload.pod : undefined);
  for (const bypass of bypasses) {
    const ports = intersectPortSet(bypass.ports, admitted);
    if (ports.length === 0) continue;
    for (const open of openEntries(rule, bypass)) {
      const key = `${policy.resource.id}\u0000${open.path.join('/')}`;
      let exposure = out.get(key);
      if (!exposure) {
        exposure = { policy, direction: rule.direction, reach: open.reach, path: open.path, ...(open.detail ? { detail: open.detail } : {}), exposed: [] };
        out.set(key, exposure);
      }
      const destinations = bypass.destinations ? describeDestinations(bypass) : undefined;
      const existing = exposure.exposed.find((e) => e.resource === workload.resource && e.destinations === destinations);
      if (existing) existing.ports = normalize([...existing.ports, ...ports]);
      else exposure.exposed.push({ resource: workload.resource, ports, ...(destinations ? { destinations } : {}) });
    }
  }
}

/** The open peers of a rule (or the rule itself, when it names no peers) relevant to a bypass. */
function openEntries(rule: PolicyRule, bypass: CaptureBypass): Array<{ reach: OpenReach; path: JsonPath; detail?: string }> {
  if (rule.everyPeer) {
    return [{ reach: 'everyone', path: rule.everyPeerPath }];
  }
  const entries: Array<{ reach: OpenReach; path: JsonPath; detail?: string }> = [];
  for (const peer of rule.peers) {
    const reach = peerReach(peer);
    if (reach.kind === 'allNamespaces' && !reach.podLabels) entries.push({ reach: 'allNamespaces', path: [...peer.path, 'namespaceSelector'] });
    else if (reach.kind === 'allNamespaces' && reach.podLabels) {
      entries.push({ reach: 'labelInAnyNamespace', path: [...peer.path, 'namespaceSelector'], detail: describeSelector(reach.podLabels) });
    } else if (reach.kind === 'anyAddress' && !exceptCoversDestinations(peer, bypass)) {
      entries.push({ reach: 'anyAddress', path: [...peer.path, 'ipBlock', 'cidr'], detail: reach.except.length > 0 ? `${reach.cidr} except ${reach.except.join(', ')}` : reach.cidr });
    }
  }
  return entries;
}

/** An outbound range bypass is closed by `0.0.0.0/0 except [...]` when every bypassed range sits in an exception. */
function exceptCoversDestinations(peer: PolicyPeer, bypass: CaptureBypass): boolean {
  if (peer.kind !== 'ipBlock' || bypass.destinations?.kind !== 'only') return false;
  return bypass.destinations.cidrs.every((cidr) => peer.except.some((except) => cidrContains(except, cidr)));
}

function describeDestinations(bypass: CaptureBypass): string {
  const list = bypass.destinations!.cidrs.map((c) => c.text).join(', ');
  if (bypass.destinations!.kind === 'only') return `to ${list}`;
  return list === '' ? 'to any address' : `to addresses outside ${list}`;
}

/** `StatefulSet data/zk TCP 2181, 2888-3888`. */
export function describeExposed(entry: BypassExposure['exposed'][number]): string {
  const r = entry.resource;
  const ports = describePorts(entry.ports);
  return `${r.kind} ${r.namespace ?? ''}/${r.name} (TCP ${ports === 'all ports' ? 'any port' : ports}${entry.destinations ? ` ${entry.destinations}` : ''})`;
}

export { refOf } from '../refs.js';
