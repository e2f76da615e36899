import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import {
  admittedPorts,
  crossesNamespace,
  namespaceLabels,
  networkPoliciesOf,
  peerReach,
  peerSelects,
  podEndpointOf,
  policiesSelecting,
  ruleAdmittedPorts,
} from '../../src/model/network/admission.js';
import { cidrContains, cidrsOverlap, parseCidr } from '../../src/model/network/cidr.js';
import { isDefaultDeny, parseNetworkPolicy } from '../../src/model/network/policy.js';
import { describePorts, intersectPortSet, subtractPorts } from '../../src/model/network/ports.js';
import { describeSelector, parseLabelSelector, pinnedValues, selectorMatches } from '../../src/model/network/selector.js';

function load(yaml: string) {
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  return { resources, inventory: new Inventory(resources) };
}

const policy = (name: string, spec: string, namespace = 'data') =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${spec
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n---\n`;
const zk =
  'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: zk, namespace: data}\nspec:\n  template:\n    metadata:\n      labels: {app: zk, tier: data}\n    spec:\n' +
  '      containers:\n        - name: zk\n          image: zookeeper:3.9\n          ports: [{name: client, containerPort: 2181}, {name: peer, containerPort: 2888}, {name: gossip, containerPort: 7946, protocol: UDP}]\n';

describe('label selectors', () => {
  const labels = { app: 'zk', tier: 'data' };
  const match = (raw: unknown) => selectorMatches(parseLabelSelector(raw), labels);
  it('{} and a missing selector select everything', () => {
    expect(match({})).toBe(true);
    expect(match(undefined)).toBe(true);
  });
  it('matchLabels AND matchExpressions', () => {
    expect(match({ matchLabels: { app: 'zk' } })).toBe(true);
    expect(match({ matchLabels: { app: 'zk', tier: 'web' } })).toBe(false);
    expect(match({ matchLabels: { app: 'zk' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] })).toBe(false);
    expect(match({ matchLabels: { app: 'zk' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'data'] }] })).toBe(true);
  });
  it('NotIn matches objects lacking the key; Exists and DoesNotExist', () => {
    expect(match({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] })).toBe(true);
    expect(match({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['data'] }] })).toBe(false);
    expect(match({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] })).toBe(true);
    expect(match({ matchExpressions: [{ key: 'env', operator: 'Exists' }] })).toBe(false);
    expect(match({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] })).toBe(true);
    expect(match({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] })).toBe(false);
  });
  it('an unknown operator makes the selector invalid: it selects nothing', () => {
    expect(match({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['zk'] }] })).toBe(false);
  });
  it('pins values and describes itself', () => {
    const s = parseLabelSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['x', 'y'] }, { key: 'c', operator: 'Exists' }] });
    expect(pinnedValues(s, 'a')).toEqual(['1']);
    expect(pinnedValues(s, 'b')).toEqual(['x', 'y']);
    expect(pinnedValues(s, 'c')).toBeUndefined();
    expect(describeSelector(s)).toBe('a=1,b In (x, y),c');
    expect(describeSelector(parseLabelSelector({}))).toBe('{}');
  });
});

describe('CIDRs', () => {
  it('contain and overlap', () => {
    const any = parseCidr('0.0.0.0/0')!;
    const ten = parseCidr('10.0.0.0/8')!;
    const sub = parseCidr('10.1.2.3/16')!;
    expect(sub.network).toBe(parseCidr('10.1.0.0/16')!.network);
    expect(cidrContains(any, ten)).toBe(true);
    expect(cidrContains(ten, sub)).toBe(true);
    expect(cidrContains(sub, ten)).toBe(false);
    expect(cidrsOverlap(sub, ten)).toBe(true);
    expect(cidrsOverlap(ten, parseCidr('192.168.0.0/16')!)).toBe(false);
    expect(cidrsOverlap(ten, parseCidr('::/0')!)).toBe(false);
  });
  it('parses IPv6 forms', () => {
    expect(parseCidr('::/0')?.prefix).toBe(0);
    expect(parseCidr('2001:db8::1/128')?.family).toBe(6);
    expect(parseCidr('::ffff:10.0.0.1/128')?.family).toBe(6);
    expect(parseCidr('1:2:3:4:5:6:7:8/64')?.prefix).toBe(64);
    expect(parseCidr('1:2:3:4:5:6:7:8:9/64')).toBeUndefined();
    expect(parseCidr('1::2::3/64')).toBeUndefined();
    expect(parseCidr('fe80::1%eth0/64')).toBeUndefined();
  });
});

describe('port sets', () => {
  it('intersects listed and complemented sets with ranges', () => {
    expect(intersectPortSet({ kind: 'only', ports: [2181, 2888, 3888] }, [{ from: 2000, to: 3000 }])).toEqual([{ from: 2181, to: 2181 }, { from: 2888, to: 2888 }]);
    expect(intersectPortSet({ kind: 'allExcept', ports: [8080] }, [{ from: 8080, to: 8080 }])).toEqual([]);
    expect(intersectPortSet({ kind: 'allExcept', ports: [8080] }, [{ from: 8000, to: 8100 }])).toEqual([{ from: 8000, to: 8079 }, { from: 8081, to: 8100 }]);
  });
  it('describes ports', () => {
    expect(describePorts([{ from: 5701, to: 5701 }])).toBe('5701');
    expect(describePorts([{ from: 2888, to: 3888 }, { from: 2181, to: 2181 }])).toBe('2181, 2888-3888');
    expect(describePorts(subtractPorts([{ from: 0, to: 65535 }], [8080, 9090]))).toBe('all ports except 8080, 9090');
  });
});

describe('NetworkPolicy semantics', () => {
  it('policyTypes defaults to Ingress, plus Egress when egress rules exist', () => {
    const { resources } = load(
      policy('a', 'podSelector: {}') + policy('b', 'podSelector: {}\negress: [{to: [{podSelector: {}}]}]') + policy('c', 'podSelector: {}\npolicyTypes: [Egress]') + policy('d', 'podSelector: {}\npolicyTypes: []'),
    );
    expect(resources.map((r) => parseNetworkPolicy(r).policyTypes)).toEqual([['Ingress'], ['Ingress', 'Egress'], ['Egress'], ['Ingress']]);
  });
  it('recognises default-deny policies', () => {
    const { resources } = load(
      policy('deny', 'podSelector: {}\npolicyTypes: [Ingress, Egress]') +
        policy('allow-all', 'podSelector: {}\ningress: [{}]') +
        policy('narrow', 'podSelector: {matchLabels: {app: zk}}\npolicyTypes: [Ingress]'),
    );
    const [deny, allowAll, narrow] = resources.map(parseNetworkPolicy);
    expect(isDefaultDeny(deny!, 'Ingress')).toBe(true);
    expect(isDefaultDeny(deny!, 'Egress')).toBe(true);
    expect(isDefaultDeny(allowAll!, 'Ingress')).toBe(false);
    expect(isDefaultDeny(narrow!, 'Ingress')).toBe(false);
  });
  it('selects pods by podSelector in the policy namespace only, and by policy type', () => {
    const { resources, inventory } = load(
      policy('zk', 'podSelector: {matchLabels: {app: zk}}') +
        policy('other-ns', 'podSelector: {}', 'web') +
        policy('egress-only', 'podSelector: {}\npolicyTypes: [Egress]') +
        policy('not-zk', 'podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [zk]}]}') +
        zk,
    );
    const pod = podEndpointOf(resources.find((r) => r.kind === 'StatefulSet')!)!;
    expect(policiesSelecting(pod, inventory, 'Ingress').map((p) => p.resource.name)).toEqual(['zk']);
    expect(policiesSelecting(pod, inventory, 'Egress').map((p) => p.resource.name)).toEqual(['egress-only']);
  });
  it('reads peers: missing/empty = everyone, AND within a peer, own namespace by default', () => {
    const { inventory } = load(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {team: web}}\n---\n' +
        policy(
          'peers',
          `podSelector: {}
ingress:
  - {}
  - from: []
  - from:
      - podSelector: {matchLabels: {app: kafka}}
      - namespaceSelector: {matchLabels: {team: web}}
        podSelector: {matchLabels: {app: api}}
      - namespaceSelector: {}
      - namespaceSelector: {}
        podSelector: {matchLabels: {app: api}}
      - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
      - ipBlock: {cidr: 192.168.10.0/24}`,
        ),
    );
    const [p] = networkPoliciesOf(inventory);
    const rules = p!.ingress;
    expect(rules.map((r) => r.everyPeer)).toEqual([true, true, false]);
    expect(rules[0]!.path).toEqual(['spec', 'ingress', 0]);
    expect(rules.map((r) => r.everyPeerPath.join('.'))).toEqual(['spec.ingress.0', 'spec.ingress.1.from', 'spec.ingress.2.from']);
    const peers = rules[2]!.peers;
    expect(peers.map((peer) => peerReach(peer).kind)).toEqual(['sameNamespace', 'namespaces', 'allNamespaces', 'allNamespaces', 'anyAddress', 'addresses']);
    expect(peerReach(peers[3]!)).toMatchObject({ kind: 'allNamespaces', podLabels: { matchLabels: { app: 'api' } } });
    expect(peerReach(peers[4]!)).toEqual({ kind: 'anyAddress', cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] });
    expect(peers[1]!.path).toEqual(['spec', 'ingress', 2, 'from', 1]);
    // namespaceSelector AND podSelector in one peer
    expect(peerSelects(peers[1]!, 'data', 'web', { app: 'api' }, inventory)).toBe(true);
    expect(peerSelects(peers[1]!, 'data', 'web', { app: 'ui' }, inventory)).toBe(false);
    expect(peerSelects(peers[1]!, 'data', 'data', { app: 'api' }, inventory)).toBe(false);
    // a podSelector alone stays in the policy namespace
    expect(peerSelects(peers[0]!, 'data', 'data', { app: 'kafka' }, inventory)).toBe(true);
    expect(peerSelects(peers[0]!, 'data', 'web', { app: 'kafka' }, inventory)).toBe(false);
    // namespaceSelector {} reaches every namespace, declared or not
    expect(peerSelects(peers[2]!, 'data', 'anywhere', {}, inventory)).toBe(true);
  });
  it('namespace labels include the automatic name label', () => {
    const { inventory } = load('apiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {team: web}}\n');
    expect(namespaceLabels('web', inventory)).toEqual({ team: 'web', 'kubernetes.io/metadata.name': 'web' });
    expect(namespaceLabels('kube-system', inventory)).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
  });
  it('tells cross-namespace peers from same-namespace ones', () => {
    const { inventory } = load(
      policy(
        'x',
        `podSelector: {}
egress:
  - to:
      - podSelector: {}
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      - namespaceSelector: {matchLabels: {team: data}}
      - ipBlock: {cidr: 10.0.0.0/8}`,
      ),
    );
    const peers = networkPoliciesOf(inventory)[0]!.egress[0]!.peers;
    expect(peers.map((peer) => crossesNamespace(peer, 'data'))).toEqual([false, false, true, true, true]);
  });
  it('resolves ports: default TCP, endPort ranges, named ports via the pod, every port when none listed', () => {
    const { resources, inventory } = load(
      policy(
        'ports',
        `podSelector: {}
ingress:
  - ports:
      - port: 2181
      - {port: 2888, endPort: 3888}
      - {port: peer}
      - {port: gossip, protocol: UDP}
      - {port: missing}
      - protocol: SCTP
  - from: [{podSelector: {}}]`,
      ) + zk,
    );
    const pod = podEndpointOf(resources.find((r) => r.kind === 'StatefulSet')!)!;
    const [withPorts, withoutPorts] = networkPoliciesOf(inventory)[0]!.ingress;
    const [p2181, range, peer, gossip, missing, sctp] = withPorts!.ports;
    expect(admittedPorts(p2181!, 'TCP', pod)).toEqual([{ from: 2181, to: 2181 }]);
    expect(admittedPorts(p2181!, 'UDP', pod)).toEqual([]);
    expect(admittedPorts(range!, 'TCP', pod)).toEqual([{ from: 2888, to: 3888 }]);
    expect(admittedPorts(peer!, 'TCP', pod)).toEqual([{ from: 2888, to: 2888 }]);
    expect(admittedPorts(gossip!, 'UDP', pod)).toEqual([{ from: 7946, to: 7946 }]);
    expect(admittedPorts(missing!, 'TCP', pod)).toEqual([]);
    expect(admittedPorts(missing!, 'TCP')).toEqual([{ from: 0, to: 65535 }]);
    expect(admittedPorts(sctp!, 'SCTP', pod)).toEqual([{ from: 0, to: 65535 }]);
    expect(ruleAdmittedPorts(withoutPorts!, 'UDP', pod)).toEqual([{ from: 0, to: 65535 }]);
    expect(withPorts!.ports[1]!.path).toEqual(['spec', 'ingress', 0, 'ports', 1]);
  });
});
