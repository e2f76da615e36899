import type { JsonPath, Resource } from '../types.js';
import { isRecord } from '../workload.js';
import { parseCidr, type Cidr } from './cidr.js';
import { isEmptySelector, parseLabelSelector, type LabelSelector } from './selector.js';
import { perObject } from '../memo.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type PolicyDirection = 'Ingress' | 'Egress';

/** A `networking.k8s.io/v1` NetworkPolicy, read into its semantics, with the path of every entry. */
export interface NetworkPolicyModel {
  resource: Resource;
  namespace: string;
  podSelector: LabelSelector;
  /** Explicit `policyTypes`, else the API default: Ingress, plus Egress when egress rules exist. */
  policyTypes: PolicyDirection[];
  ingress: PolicyRule[];
  egress: PolicyRule[];
}

export interface PolicyRule {
  direction: PolicyDirection;
  /** Path of the rule entry (`spec.ingress[i]`). */
  path: JsonPath;
  /** Path of `from`/`to` (may not exist). */
  peersPath: JsonPath;
  /** A missing or empty `from`/`to` admits every source/destination, in and outside the cluster. */
  everyPeer: boolean;
  /** Where a finding about "every peer" points: the written empty `from: []`/`to: []`, else the rule entry. */
  everyPeerPath: JsonPath;
  peers: PolicyPeer[];
  /** A missing or empty `ports` admits every port of every protocol. */
  everyPort: boolean;
  ports: PolicyPort[];
}

export type PolicyPeer = SelectorPeer | IpBlockPeer;

/** podSelector and/or namespaceSelector in ONE peer: both must match (AND). */
export interface SelectorPeer {
  kind: 'selector';
  path: JsonPath;
  /** Absent: the policy's own namespace. `{}`: every namespace. */
  namespaceSelector?: LabelSelector;
  /** Absent: every pod of the selected namespaces. */
  podSelector?: LabelSelector;
}

export interface IpBlockPeer {
  kind: 'ipBlock';
  path: JsonPath;
  cidrText: string;
  /** Undefined when the CIDR does not parse (the API server would reject the policy). */
  cidr?: Cidr;
  except: Cidr[];
}

export interface PolicyPort {
  path: JsonPath;
  /** Defaults to TCP. */
  protocol: Protocol;
  /** A number, a named container port, or undefined for every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export function isNetworkPolicy(resource: Resource): boolean {
  return resource.family === 'kubernetes' && resource.kind === 'NetworkPolicy' && resource.apiVersion.startsWith('networking.k8s.io/');
}

/** Parsed once per resource object: a snapshot's policies are not re-parsed for every admission request. */
export const parseNetworkPolicy: (resource: Resource) => NetworkPolicyModel = perObject(deriveNetworkPolicy);

function deriveNetworkPolicy(resource: Resource): NetworkPolicyModel {
  const spec = isRecord(resource.object.spec) ? resource.object.spec : {};
  const ingressRaw = Array.isArray(spec.ingress) ? spec.ingress : [];
  const egressRaw = Array.isArray(spec.egress) ? spec.egress : [];
  return {
    resource,
    namespace: resource.namespace ?? '',
    // A missing podSelector is rejected by the API; `{}` is the way to select every pod.
    podSelector: parseLabelSelector(spec.podSelector ?? {}),
    policyTypes: policyTypesOf(spec.policyTypes, egressRaw.length > 0),
    ingress: ingressRaw.map((raw, i) => parseRule(raw, 'Ingress', ['spec', 'ingress', i])),
    egress: egressRaw.map((raw, i) => parseRule(raw, 'Egress', ['spec', 'egress', i])),
  };
}

function policyTypesOf(raw: unknown, hasEgressRules: boolean): PolicyDirection[] {
  // The API server defaults an empty list like a missing one (SetDefaults_NetworkPolicySpec).
  if (Array.isArray(raw) && raw.length > 0) return raw.filter((t): t is PolicyDirection => t === 'Ingress' || t === 'Egress');
  return hasEgressRules ? ['Ingress', 'Egress'] : ['Ingress'];
}

function parseRule(raw: unknown, direction: PolicyDirection, path: JsonPath): PolicyRule {
  const rule = isRecord(raw) ? raw : {};
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  const peersRaw = Array.isArray(rule[peersKey]) ? (rule[peersKey] as unknown[]) : [];
  const portsRaw = Array.isArray(rule.ports) ? rule.ports : [];
  const peersPath = [...path, peersKey];
  return {
    direction,
    path,
    peersPath,
    everyPeer: peersRaw.length === 0,
    everyPeerPath: rule[peersKey] !== undefined ? peersPath : path,
    peers: peersRaw.flatMap((p, j) => parsePeer(p, [...peersPath, j]) ?? []),
    everyPort: portsRaw.length === 0,
    ports: portsRaw.map((p, k) => parsePort(p, [...path, 'ports', k])),
  };
}

function parsePeer(raw: unknown, path: JsonPath): PolicyPeer | undefined {
  if (!isRecord(raw)) return undefined;
  if (isRecord(raw.ipBlock)) {
    const cidrText = typeof raw.ipBlock.cidr === 'string' ? raw.ipBlock.cidr : '';
    const cidr = parseCidr(cidrText);
    const except = (Array.isArray(raw.ipBlock.except) ? raw.ipBlock.except : [])
      .map((e) => (typeof e === 'string' ? parseCidr(e) : undefined))
      .filter((c): c is Cidr => c !== undefined);
    return { kind: 'ipBlock', path, cidrText, ...(cidr ? { cidr } : {}), except };
  }
  const hasNamespace = raw.namespaceSelector !== undefined && raw.namespaceSelector !== null;
  const hasPod = raw.podSelector !== undefined && raw.podSelector !== null;
  // A peer naming nothing is rejected by the API server: it admits nothing.
  if (!hasNamespace && !hasPod) return undefined;
  return {
    kind: 'selector',
    path,
    ...(hasNamespace ? { namespaceSelector: parseLabelSelector(raw.namespaceSelector) } : {}),
    ...(hasPod ? { podSelector: parseLabelSelector(raw.podSelector) } : {}),
  };
}

function parsePort(raw: unknown, path: JsonPath): PolicyPort {
  const entry = isRecord(raw) ? raw : {};
  const protocol: Protocol = entry.protocol === 'UDP' || entry.protocol === 'SCTP' ? entry.protocol : 'TCP';
  const port = typeof entry.port === 'number' || typeof entry.port === 'string' ? entry.port : undefined;
  const endPort = typeof entry.endPort === 'number' ? entry.endPort : undefined;
  return { path, protocol, ...(port !== undefined ? { port } : {}), ...(endPort !== undefined ? { endPort } : {}) };
}

/** True for `podSelector: {}`, Ingress among its types and no ingress rule: the namespace's default deny. */
export function isDefaultDeny(policy: NetworkPolicyModel, direction: PolicyDirection): boolean {
  const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
  return isEmptySelector(policy.podSelector) && policy.policyTypes.includes(direction) && rules.length === 0;
}
