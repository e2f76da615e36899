import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MeshSettings, type RuleSetting } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { ENGINE_RULES } from '../../src/engine/check.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { parseSourceText } from '../../src/load/index.js';
import { BUILTIN_RULES, allRuleMetas } from '../../src/rules/registry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Lint inline YAML with every built-in rule; returns `line ruleId/messageId` of unsuppressed findings. */
function lint(yaml: string, mesh: Partial<MeshSettings> = {}, rules: Record<string, RuleSetting> = {}): string[] {
  const config = { ...DEFAULT_CONFIG, mesh: { ...DEFAULT_CONFIG.mesh, ...mesh }, rules };
  const { resources, problems } = parseSourceText({ path: 'tree.yaml', text: yaml }, config);
  const metas = [...allRuleMetas(BUILTIN_RULES), ...ENGINE_RULES];
  const { findings } = evaluate({
    resources,
    problems,
    rules: BUILTIN_RULES,
    knownRules: metas,
    settings: resolveRuleSettings(config, metas),
    mesh: config.mesh,
    today: '2026-11-26',
  });
  return findings.filter((f) => !f.suppressed).map((f) => `${f.line} ${f.ruleId}/${f.messageId}`);
}

const meshPolicy = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls: {mode: STRICT}\n';

describe('mtls-no-downgrade', () => {
  it('reports enableAutoMtls: false once, on the mesh-wide PeerAuthentication', () => {
    expect(lint(meshPolicy, { enableAutoMtls: false })).toEqual(['4 mtls-no-downgrade/autoMtlsDisabled']);
    expect(lint(meshPolicy)).toEqual([]);
  });

  it('cannot report enableAutoMtls: false without a mesh-wide policy (no node to point at)', () => {
    expect(lint(meshPolicy.replace('istio-system', 'payments'), { enableAutoMtls: false })).toEqual([]);
  });

  it('follows a custom root namespace', () => {
    const yaml = meshPolicy + '---\n' + meshPolicy.replace('name: default', 'name: team').replace('istio-system', 'payments').replace('STRICT', 'PERMISSIVE');
    expect(lint(yaml)).toEqual(['15 mtls-no-downgrade/namespaceDowngrade']);
    // With another root, both are namespace-wide policies of different namespaces: nothing to compare.
    expect(lint(yaml, { rootNamespace: 'mesh-root' })).toEqual([]);
  });

  it('names the stronger policy and the affected workloads, and relates the policy', async () => {
    const result = await runCheck({ root: ROOT, inputs: ['fixtures/rules/mtls-no-downgrade/bad.yaml'], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const port = result.findings.find((f) => f.messageId === 'portDowngrade');
    expect(port?.message).toContain('PeerAuthentication istio-system/default (STRICT)');
    expect(port?.message).toContain('Deployment ledger');
    expect(port?.path).toBe('/spec/portLevelMtls/5701/mode');
    expect(port?.related).toEqual([
      expect.objectContaining({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default', file: 'fixtures/rules/mtls-no-downgrade/bad.yaml' }),
    ]);
  });
});

describe('mtls-no-downgrade: plaintext toward ports that bypass the sidecar', () => {
  const zookeeper = (annotations: string) =>
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: search, labels: {istio-injection: enabled}}\n---\n` +
    `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: zookeeper, namespace: search}\nspec:\n  serviceName: zookeeper\n  selector: {matchLabels: {app: zookeeper}}\n` +
    `  template:\n    metadata:\n      labels: {app: zookeeper}\n      annotations: {${annotations}}\n` +
    `    spec: {containers: [{name: zk, image: x, ports: [{name: client, containerPort: 2181}, {name: admin, containerPort: 8080}]}]}\n---\n` +
    `apiVersion: v1\nkind: Service\nmetadata: {name: zookeeper, namespace: search}\nspec:\n  selector: {app: zookeeper}\n  ports: [{name: tcp-client, port: 2181, targetPort: client}, {name: http-admin, port: 80, targetPort: 8080}]\n---\n`;
  const rule = (port: number) =>
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: zk, namespace: search}\nspec:\n  host: zookeeper\n  trafficPolicy:\n    portLevelSettings:\n      - port: {number: ${port}}\n        tls: {mode: DISABLE}\n`;
  const mtls = (yaml: string) => lint(yaml).filter((f) => f.includes('mtls-no-downgrade'));
  const excluded = '"traffic.sidecar.istio.io/excludeInboundPorts": "2181", "meshguard.io/capture-bypass-reason": "quorum by pod IP"';

  it('accepts DISABLE on a Service port whose target port every backend excludes from inbound capture', () => {
    expect(mtls(zookeeper(excluded) + rule(2181))).toEqual([]);
    expect(mtls(zookeeper('"sidecar.istio.io/interceptionMode": "NONE", "meshguard.io/capture-bypass-reason": "r"') + rule(2181))).toEqual([]);
  });

  it('still reports DISABLE on a captured port, or when the backends still proxy it', () => {
    expect(mtls(zookeeper(excluded) + rule(80))).toEqual(['32 mtls-no-downgrade/tlsDisabledInMesh']);
    expect(mtls(zookeeper('"meshguard.io/capture-bypass-reason": "r"') + rule(2181))).toEqual(['32 mtls-no-downgrade/tlsDisabledInMesh']);
  });
});

const injectedWorkload = (name: string, namespace = 'team') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: x}]}\n---\n`;

describe('namespace-level findings without a Namespace object', () => {
  it('go on the first injected workload of the namespace, once', () => {
    const yaml = injectedWorkload('api') + injectedWorkload('worker');
    expect(lint(yaml, { injectByDefault: true })).toEqual(['4 egress-via-gateway/registryOnlyMissing', '4 sidecar-scope/missingDefaultSidecar', '4 udp-bulkhead/missingDefaultDeny']);
    expect(lint(yaml)).toEqual([]);
  });
});

const sidecar = (namespace: string, body: string) =>
  `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: ${namespace}\nspec:\n${body}\n---\n`;
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: {istio-injection: enabled}\n---\n`;

describe('sidecar-scope options', () => {
  const yaml = sidecar('istio-system', '  egress: [{hosts: ["./*", "istio-system/*"]}]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}') + namespace('team');

  it('requires a namespace default when acceptMeshDefault is off', () => {
    expect(lint(yaml, {}, { 'sidecar-scope': { options: { acceptMeshDefault: false } } })).toEqual(['13 sidecar-scope/missingDefaultSidecar']);
  });

  it('accepts a restricting mesh default by default, as Istio applies it to every namespace without one', () => {
    expect(lint(yaml)).toEqual([]);
    const open = yaml.replace('["./*", "istio-system/*"]', '["*/*"]');
    expect(lint(open)).toEqual(['7 sidecar-scope/unrestrictedEgress', '13 sidecar-scope/missingDefaultSidecar']);
  });
});

describe('egress-via-gateway', () => {
  const chain = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: edge}
spec:
  hosts: [api.example.com]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: edge}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [api.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egress, namespace: edge}
spec:
  host: gw.edge.svc.cluster.local
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: edge}
spec:
  hosts: [api.example.com]
  gateways: [mesh, egress]
  tls:
    - match: [{gateways: [mesh], sniHosts: [api.example.com]}]
      route: [{destination: {host: gw.edge.svc.cluster.local}}]
    - match: [{gateways: [egress], sniHosts: [api.example.com]}]
      route: [{destination: {host: api.example.com}}]
`;

  it('takes the egress gateway Service from the options', () => {
    expect(lint(chain, {}, { 'egress-via-gateway': { options: { egressGatewayServices: ['gw.edge.svc.cluster.local'] } } })).toEqual([]);
    expect(lint(chain)).toEqual(['5 egress-via-gateway/incompleteEgressChain', '29 egress-via-gateway/meshRouteBypassesGateway']);
  });

  it('does not treat a catch-all ingress VirtualService as routing the external host', () => {
    const ingress = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: frontend, namespace: web}
spec:
  hosts: ["*"]
  gateways: [istio-system/ingress]
  http: [{route: [{destination: {host: frontend}}]}]
`;
    expect(lint(chain + ingress, {}, { 'egress-via-gateway': { options: { egressGatewayServices: ['gw.edge.svc.cluster.local'] } } })).toEqual([]);
  });

  it('accepts REGISTRY_ONLY from meshConfig or a root-namespace default Sidecar', () => {
    expect(lint(namespace('team'), { outboundTrafficPolicy: 'REGISTRY_ONLY' }, { 'sidecar-scope': { severity: 'off' } })).toEqual([]);
    const root = sidecar('istio-system', '  egress: [{hosts: ["./*"]}]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
    expect(lint(root + namespace('team'), {}, { 'sidecar-scope': { severity: 'off' } })).toEqual([]);
    expect(lint(root.replace('REGISTRY_ONLY', 'ALLOW_ANY') + namespace('team'), {}, { 'sidecar-scope': { severity: 'off' } })).toEqual([
      '8 egress-via-gateway/allowAny',
    ]);
  });

  it('finds the problems the bad fixtures stand for', async () => {
    const result = await runCheck({ root: ROOT, inputs: ['fixtures/rules/egress-via-gateway'], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const ids = new Set(result.findings.filter((f) => f.ruleId === 'egress-via-gateway').map((f) => f.messageId));
    expect([...ids].sort()).toEqual([
      'allowAny',
      'gatewayHopNotMutual',
      'gatewayRefWrongNamespace',
      'gatewayRouteWrongHost',
      'incompleteEgressChain',
      'meshRouteBypassesGateway',
      'missingGatewayRoute',
      'missingMeshBinding',
      'registryOnlyMissing',
      'resolutionNone',
      'routeNotScoped',
      'unknownGatewaySubset',
    ]);
  });
});

describe('rule metadata', () => {
  it('carries docs links and valid option schemas', () => {
    for (const id of ['egress-via-gateway', 'mtls-no-downgrade', 'sidecar-scope']) {
      const rule = BUILTIN_RULES.find((r) => r.meta.id === id);
      expect(rule?.meta.helpUri).toMatch(new RegExp(`/docs/rules/${id}\\.md$`));
      if (rule?.meta.optionsSchema) expect(() => new Ajv({ strict: true }).compile(rule.meta.optionsSchema!)).not.toThrow();
    }
    // A wrong option type is refused when the settings are resolved.
    expect(() => lint('', {}, { 'sidecar-scope': { options: { acceptMeshDefault: 'yes' } } })).toThrow();
  });
});

describe('issue 14: the top level without a mesh-wide policy (item 9)', () => {
  const namespacePolicy = (mode: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: team\nspec:\n  mtls:\n    mode: ${mode}\n`;

  it("holds a namespace to Istio's PERMISSIVE default, or to mesh.mtls STRICT when the platform applies it", () => {
    expect(lint(namespacePolicy('DISABLE'))).toEqual(['8 mtls-no-downgrade/namespaceDowngrade']);
    expect(lint(namespacePolicy('PERMISSIVE'))).toEqual([]);
    expect(lint(namespacePolicy('PERMISSIVE'), { mtls: 'STRICT' })).toEqual(['8 mtls-no-downgrade/namespaceDowngrade']);
    expect(lint(namespacePolicy('STRICT'), { mtls: 'STRICT' })).toEqual([]);
  });

  it('holds workload policies to a configured STRICT top level, not to Istio\'s default', () => {
    const workloadPolicy = namespacePolicy('PERMISSIVE').replace('name: default', 'name: api').replace('spec:\n', 'spec:\n  selector:\n    matchLabels: {app: api}\n');
    expect(lint(workloadPolicy)).toEqual([]);
    expect(lint(workloadPolicy, { mtls: 'STRICT' })).toEqual(['10 mtls-no-downgrade/workloadDowngrade']);
  });
});

describe('issue 14: gateways are not sidecars (items 3, 4)', () => {
  const gatewayNamespace =
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n  labels: {istio-injection: enabled}\n---\n' +
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: edge-gw, namespace: edge}\nspec:\n  selector: {matchLabels: {gw: edge}}\n  template:\n    metadata: {labels: {gw: edge}}\n    spec:\n      securityContext: {runAsUser: 1337}\n      containers: [{name: istio-proxy, image: auto}]\n---\n';
  const gateway = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: edge}\nspec:\n  selector: {gw: edge}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n';

  it('knows a Deployment an Istio Gateway selects as a gateway: no default Sidecar or REGISTRY_ONLY for its namespace', () => {
    expect(lint(gatewayNamespace + gateway).filter((f) => /sidecar-scope|egress-via-gateway/.test(f))).toEqual([]);
    // Without the Gateway nothing says these pods are a gateway: the namespace is an ordinary injected one.
    expect(lint(gatewayNamespace).filter((f) => /sidecar-scope|egress-via-gateway/.test(f))).toEqual([
      '4 egress-via-gateway/registryOnlyMissing',
      '4 sidecar-scope/missingDefaultSidecar',
    ]);
  });
});

describe('issue 14: in-mesh hosts whose Service is not in the tree (item 8)', () => {
  it('names the injected namespace when no Service object of the host exists', async () => {
    const result = await runCheck({ root: ROOT, inputs: ['fixtures/rules/mtls-no-downgrade/bad-host-outside-tree.yaml'], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const messages = result.findings.filter((f) => f.ruleId === 'mtls-no-downgrade').map((f) => f.message);
    expect(messages[0]).toContain('toward ledger.payments.svc.cluster.local (namespace payments is injected)');
    expect(messages[1]).toContain('(subset v2) toward risk.payments.svc.cluster.local (namespace payments is injected)');
  });
});
