import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { networkPoliciesOf } from '../../src/model/network/admission.js';
import { injectedWorkloadsIn, isKubeDnsPeer, missingDefaultDeny, nonTcpOpenings } from '../../src/model/network/udp.js';

function load(yaml: string) {
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  return new Inventory(resources);
}
const policy = (spec: string, name = 'p') => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: data}\nspec: ${spec}\n---\n`;
const openings = (spec: string) => nonTcpOpenings(networkPoliciesOf(load(policy(spec)))[0]!).map((o) => [o.kind, o.path.join('.'), o.port ?? '', o.peers.join(' | ')]);

describe('injectedWorkloadsIn', () => {
  it('groups injected workloads in tree order', () => {
    const inventory = load(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {istio-injection: enabled}}\n---\n' +
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: data}\nspec: {template: {spec: {containers: []}}}\n---\n' +
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: web}\nspec: {template: {spec: {containers: []}}}\n---\n' +
        'apiVersion: batch/v1\nkind: Job\nmetadata: {name: c, namespace: web}\nspec: {template: {metadata: {labels: {sidecar.istio.io/inject: "true"}}, spec: {containers: []}}}\n',
    );
    const names = (namespace: string) => injectedWorkloadsIn(namespace, inventory, DEFAULT_MESH_SETTINGS).map((r) => r.name);
    expect([names('data'), names('web'), names('other')]).toEqual([['a'], ['c'], []]);
  });
});

describe('missingDefaultDeny', () => {
  it('needs podSelector {}, the type and no rules of that type', () => {
    expect(missingDefaultDeny('data', load(policy('{podSelector: {}, policyTypes: [Ingress, Egress]}')), ['Ingress', 'Egress'])).toEqual([]);
    expect(missingDefaultDeny('data', load(policy('{podSelector: {}}')), ['Ingress', 'Egress'])).toEqual(['Egress']);
    expect(missingDefaultDeny('data', load(policy('{podSelector: {matchLabels: {a: b}}, policyTypes: [Ingress, Egress]}')), ['Ingress'])).toEqual(['Ingress']);
    expect(missingDefaultDeny('data', load(policy('{podSelector: {}, egress: [{to: [{podSelector: {}}]}]}')), ['Ingress', 'Egress'])).toEqual(['Egress']);
    expect(missingDefaultDeny('other', load(policy('{podSelector: {}}')), ['Ingress'])).toEqual(['Ingress']);
  });
});

describe('nonTcpOpenings', () => {
  it('ignores TCP and same-namespace peers', () => {
    expect(openings('{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 80}]}, {from: [{podSelector: {}}]}]}')).toEqual([]);
    expect(openings('{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}}], ports: [{protocol: UDP, port: 7946}]}]}')).toEqual([]);
  });
  it('reports rules without ports per peer beyond the namespace, or on the rule without peers', () => {
    expect(openings('{podSelector: {}, ingress: [{}, {from: [{podSelector: {}}, {ipBlock: {cidr: 10.0.0.0/8}}]}]}')).toEqual([
      ['allProtocols', 'spec.ingress.0', '', 'every source (no `from`)'],
      ['allProtocols', 'spec.ingress.1.from.1', '', 'ipBlock 10.0.0.0/8'],
    ]);
  });
  it('reports UDP/SCTP entries, with the kube-dns exception for DNS', () => {
    const dns = '{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}';
    expect(
      openings(`{podSelector: {}, policyTypes: [Egress], egress: [{to: [${dns}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}, {protocol: UDP, port: dns}, {protocol: UDP, port: 5353}]}, {to: [${dns}, {namespaceSelector: {}}], ports: [{protocol: UDP, port: 53}]}]}`),
    ).toEqual([
      ['protocol', 'spec.egress.0.ports.3', 'UDP 5353', 'namespaceSelector kubernetes.io/metadata.name=kube-system + podSelector k8s-app=kube-dns'],
      ['protocol', 'spec.egress.1.ports.0', 'UDP 53', 'namespaceSelector {}'],
    ]);
  });
  it('skips rules of a direction the policy does not enforce', () => {
    expect(openings('{podSelector: {}, policyTypes: [Ingress], egress: [{}]}')).toEqual([]);
  });
  it('recognises kube-dns peers only when pinned by name and label', () => {
    const peers = networkPoliciesOf(
      load(policy('{podSelector: {}, egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}, {namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [kube-system]}]}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]}]}')),
    )[0]!.egress[0]!.peers;
    expect(peers.map(isKubeDnsPeer)).toEqual([false, true]);
  });
});
