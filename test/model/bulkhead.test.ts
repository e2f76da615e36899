import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { bulkheadAnalysis, bypassingWorkloads, describeExposed } from '../../src/model/network/bulkhead.js';

function analyse(yaml: string) {
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  const inventory = new Inventory(resources);
  return { inventory, analysis: bulkheadAnalysis(inventory, DEFAULT_MESH_SETTINGS) };
}

const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {istio-injection: enabled}}\n---\n';
const workload = (name: string, annotations: string, extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: data}\nspec:\n  template:\n    metadata:\n      labels: {app: ${name}}\n` +
  `      annotations: {${annotations}}\n    spec:\n      containers: [{name: ${name}, image: x${extra}}]\n---\n`;
const policy = (name: string, spec: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: data}\nspec: ${spec}\n---\n`;
const zk = workload('zk', 'traffic.sidecar.istio.io/excludeInboundPorts: "2181,2888", meshguard.io/capture-bypass-reason: quorum');

describe('bulkheadAnalysis', () => {
  it('only injected workloads with port/address bypasses count', () => {
    const { inventory } = analyse(
      namespace + zk + workload('nic', 'traffic.sidecar.istio.io/excludeInterfaces: net1') + workload('plain', 'a: b') +
        workload('off', 'sidecar.istio.io/inject: "false", traffic.sidecar.istio.io/excludeInboundPorts: "80"'),
    );
    expect(bypassingWorkloads(inventory, DEFAULT_MESH_SETTINGS).map((w) => w.resource.name)).toEqual(['zk']);
  });
  it('a bypass with no policy selecting the pod is unguarded, per direction', () => {
    const { analysis } = analyse(namespace + zk + policy('egress-only', '{podSelector: {}, policyTypes: [Egress]}'));
    expect(analysis.unguarded.map((u) => [u.resource.name, u.direction, u.bypass.switch])).toEqual([['zk', 'Ingress', 'excludeInboundPorts']]);
    expect(analysis.exposures).toEqual([]);
  });
  it('a default deny guards, and narrow rules expose nothing', () => {
    const { analysis } = analyse(
      namespace + zk + policy('deny', '{podSelector: {}, policyTypes: [Ingress]}') +
        policy('quorum', '{podSelector: {matchLabels: {app: zk}}, ingress: [{from: [{podSelector: {matchLabels: {app: zk}}}], ports: [{port: 2888}]}]}'),
    );
    expect(analysis).toEqual({ unguarded: [], exposures: [] });
  });
  it('open rules are exposures only for bypassed ports', () => {
    const { analysis } = analyse(
      namespace + zk +
        policy('http', '{podSelector: {}, ingress: [{ports: [{port: 8080}]}]}') +
        policy('open', '{podSelector: {}, ingress: [{ports: [{port: 2000, endPort: 2500}]}, {from: [{namespaceSelector: {}}]}, {from: [{ipBlock: {cidr: "::/0"}}], ports: [{port: 2888}]}]}'),
    );
    expect(analysis.exposures.map((e) => [e.policy.resource.name, e.reach, e.path.join('.'), describeExposed(e.exposed[0]!)])).toEqual([
      ['open', 'everyone', 'spec.ingress.0', 'Deployment data/zk (TCP 2181)'],
      ['open', 'allNamespaces', 'spec.ingress.1.from.0.namespaceSelector', 'Deployment data/zk (TCP 2181, 2888)'],
      ['open', 'anyAddress', 'spec.ingress.2.from.0.ipBlock.cidr', 'Deployment data/zk (TCP 2888)'],
    ]);
  });
  it('groups the workloads one entry exposes', () => {
    const { analysis } = analyse(
      namespace + zk + workload('hz', 'traffic.sidecar.istio.io/excludeInboundPorts: "5701"') +
        policy('all', '{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: cart}}}]}]}'),
    );
    expect(analysis.exposures).toHaveLength(1);
    expect(analysis.exposures[0]).toMatchObject({ reach: 'labelInAnyNamespace', detail: 'app=cart' });
    expect(analysis.exposures[0]!.exposed.map(describeExposed)).toEqual(['Deployment data/zk (TCP 2181, 2888)', 'Deployment data/hz (TCP 5701)']);
  });
  it('outbound range bypasses: an except that covers the range closes a 0.0.0.0/0 rule', () => {
    const agent = workload('agent', 'traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.169.254/32"');
    const closed = analyse(namespace + agent + policy('out', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16]}}]}]}'));
    expect(closed.analysis).toEqual({ unguarded: [], exposures: [] });
    const open = analyse(namespace + agent + policy('out', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]}'));
    expect(open.analysis.exposures.map((e) => [e.reach, e.detail, describeExposed(e.exposed[0]!)])).toEqual([
      ['anyAddress', '0.0.0.0/0 except 10.0.0.0/8', 'Deployment data/agent (TCP any port to 169.254.169.254/32)'],
    ]);
  });
  it('UID 1337 containers need an egress fence', () => {
    const { analysis } = analyse(namespace + workload('agent', 'a: b', ', securityContext: {runAsUser: 1337}') + policy('deny-in', '{podSelector: {}}'));
    expect(analysis.unguarded.map((u) => [u.direction, u.bypass.switch])).toEqual([['Egress', 'runAsUser']]);
  });
  it('interception mode NONE needs both directions', () => {
    const { analysis } = analyse(namespace + workload('raw', 'sidecar.istio.io/interceptionMode: NONE'));
    expect(analysis.unguarded.map((u) => u.direction)).toEqual(['Ingress', 'Egress']);
  });
});
