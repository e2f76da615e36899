import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ENGINE_RULES, todayUtc } from '../../src/engine/check.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { loadWorkspace } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { memoize } from '../../src/model/memo.js';
import type { Finding, Resource } from '../../src/model/types.js';
import { istioResources } from '../../src/model/istio/api.js';
import { egressGatewayDestinationRules, egressGatewayServiceHosts, externalHostNames, virtualServiceHosts, virtualServicesFor } from '../../src/model/istio/egress.js';
import { bulkheadAnalysis } from '../../src/model/network/bulkhead.js';
import { injectedWorkloadsIn } from '../../src/model/network/udp.js';
import { BUILTIN_RULES, allRuleMetas } from '../../src/rules/registry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** What `evaluate` needs besides the resources and the inventory: every built-in rule at its default settings. */
const metas = [...allRuleMetas(BUILTIN_RULES), ...ENGINE_RULES];
const base = { problems: [], rules: BUILTIN_RULES, knownRules: metas, settings: resolveRuleSettings(DEFAULT_CONFIG, metas), mesh: DEFAULT_CONFIG.mesh, today: todayUtc() };
const describeFindings = (findings: readonly Finding[]) => findings.map((f) => `${f.resourceId} ${f.ruleId}/${f.messageId} ${f.path} ${f.message}`);

describe('memoize over admission overlays', () => {
  it('reuses a snapshot view only when the overlay object is of a kind (and namespace) it did not read', async () => {
    const { resources } = await loadWorkspace(['fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    let computations = 0;
    const view = (inventory: Inventory) =>
      memoize(inventory, 'test/quotas-in-payments', (tree) => {
        computations++;
        return tree.ofKind('ResourceQuota', 'payments').length;
      });
    expect(view(snapshot)).toBe(1);
    const namespace = resources.find((r) => r.kind === 'Namespace')!;
    const quota = resources.find((r) => r.kind === 'ResourceQuota')!;
    expect(view(Inventory.withResource(snapshot, namespace))).toBe(1);
    const otherNamespaceQuota: Resource = { ...quota, namespace: 'search', id: 'admission#0' };
    expect(view(Inventory.withResource(snapshot, otherNamespaceQuota))).toBe(1);
    expect(computations).toBe(1);
    const extraQuota: Resource = { ...quota, name: 'extra', id: 'admission#0' };
    expect(view(Inventory.withResource(snapshot, extraQuota))).toBe(2);
    expect(computations).toBe(2);
  });

  it('gives every admitted object exactly the findings a fresh evaluation of the whole tree gives', async () => {
    const { resources } = await loadWorkspace(['fixtures/rules', 'fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    // Warm the snapshot's views first, as a long-running webhook would have them.
    evaluate({ ...base, resources, inventory: snapshot });
    const sample = resources.filter((_, i) => i % 3 === 0);
    expect(sample.length).toBeGreaterThan(50);
    for (const resource of sample) {
      const copy: Resource = { ...resource, id: `admission#${resource.id}` };
      const viaOverlay = evaluate({ ...base, resources: [copy], inventory: Inventory.withResource(snapshot, copy) }).findings;
      // An admitted object replaces the snapshot's object of its identity (the first one, where fixtures repeat one).
      const replaced = snapshot.get(copy.kind, copy.namespace, copy.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? copy : r)) : [...resources, copy]);
      const viaFresh = evaluate({ ...base, resources: [copy], inventory: fresh }).findings;
      expect(viaOverlay.map((f) => `${f.ruleId}/${f.messageId} ${f.path} ${f.message}`), `${resource.kind}/${resource.name}`).toEqual(
        viaFresh.map((f) => `${f.ruleId}/${f.messageId} ${f.path} ${f.message}`),
      );
    }
  });
});

describe('views admission requests add to a snapshot are bounded', () => {
  it('keeps at most 10,000 of them and still answers right past the bound', async () => {
    const { resources } = await loadWorkspace(['fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    const namespace = resources.find((r) => r.kind === 'Namespace')!;
    let computations = 0;
    // A view keyed by something the reviewed object could name (a host): each request asks for a new key.
    const view = (inventory: Inventory, key: number) =>
      memoize(inventory, `test/keyed/${key}`, (tree) => {
        computations++;
        return tree.ofKind('ResourceQuota').length + key;
      });
    // The reviewed object (a Namespace) is of a kind the view does not read: the snapshot's view answers.
    const quotas = snapshot.ofKind('ResourceQuota').length;
    for (let key = 0; key < 10_050; key++) expect(view(Inventory.withResource(snapshot, namespace), key)).toBe(quotas + key);
    // Within the bound the snapshot kept the view; past it each request recomputes it, with the same answer.
    computations = 0;
    expect(view(Inventory.withResource(snapshot, namespace), 5)).toBe(quotas + 5);
    expect(computations).toBe(0);
    expect(view(Inventory.withResource(snapshot, namespace), 10_040)).toBe(quotas + 10_040);
    expect(computations).toBeGreaterThan(0);
  });
});

describe('incremental overlay views of the egress gateway chain', () => {
  const mesh = DEFAULT_CONFIG.mesh;
  const withObject = (resource: Resource, object: Record<string, unknown>, changes: Partial<Resource> = {}): Resource => ({ ...resource, ...changes, object, id: `admission#${resource.id}` });

  it('give the views and every finding of the tree a fresh inventory gives, whether the object changes the gateway hosts or not', async () => {
    const loaded = (await loadWorkspace(['fixtures/platform/good', 'fixtures/rules/egress-via-gateway'], ROOT, DEFAULT_CONFIG)).resources;
    const otherService = loaded.find((r) => r.kind === 'Service' && r.name !== 'istio-egressgateway' && r.object.spec)!;
    // A team's own gateway Service, whose host is not the default one: taking it away changes the hosts.
    const teamGateway: Resource = { ...otherService, name: 'team-gateway', namespace: 'team-a', id: 'team-gateway#0', object: { ...otherService.object, metadata: { name: 'team-gateway', namespace: 'team-a' }, spec: { selector: mesh.egressGatewaySelector } } };
    const resources = [...loaded, teamGateway];
    const snapshot = new Inventory(resources);
    evaluate({ ...base, resources, inventory: snapshot });
    const gatewayService = resources.find((r) => r.kind === 'Service' && r.name === 'istio-egressgateway')!;
    const gatewayRule = resources.find((r) => r.kind === 'DestinationRule' && r.name === 'egressgateway-payment-provider')!;
    const otherRule = resources.find((r) => r.kind === 'DestinationRule' && !String((r.object.spec as { host?: string }).host).startsWith('istio-egressgateway'))!;
    expect([gatewayService, otherService, gatewayRule, otherRule].every(Boolean)).toBe(true);
    const spec = (r: Resource) => r.object.spec as Record<string, unknown>;
    const overlays: [string, Resource, boolean][] = [
      ['the gateway Service unchanged', withObject(gatewayService, gatewayService.object), false],
      // Its host is also the default one, which stays.
      ['the gateway Service no longer selecting the gateway pods', withObject(gatewayService, { ...gatewayService.object, spec: { ...spec(gatewayService), selector: { app: 'elsewhere' } } }), false],
      ["a team's gateway Service no longer selecting the gateway pods", withObject(teamGateway, { ...teamGateway.object, spec: { selector: { app: 'elsewhere' } } }), true],
      ["a team's gateway Service unchanged", withObject(teamGateway, teamGateway.object), false],
      ['another Service now selecting the gateway pods', withObject(otherService, { ...otherService.object, spec: { ...spec(otherService), selector: mesh.egressGatewaySelector } }), true],
      [
        'a new Service selecting the gateway pods',
        withObject(otherService, { ...otherService.object, metadata: { name: 'team-egress', namespace: 'checkout' }, spec: { selector: mesh.egressGatewaySelector } }, { name: 'team-egress', namespace: 'checkout' }),
        true,
      ],
      ['the gateway DestinationRule unchanged', withObject(gatewayRule, gatewayRule.object), false],
      ['the gateway DestinationRule with tls SIMPLE', withObject(gatewayRule, { ...gatewayRule.object, spec: { ...spec(gatewayRule), trafficPolicy: { tls: { mode: 'SIMPLE' } } } }), false],
      ['the gateway DestinationRule moved to another host', withObject(gatewayRule, { ...gatewayRule.object, spec: { ...spec(gatewayRule), host: 'reviews.default.svc.cluster.local' } }), false],
      ['another DestinationRule moved to the gateway host', withObject(otherRule, { ...otherRule.object, spec: { ...spec(otherRule), host: 'istio-egressgateway.istio-system.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } } }), false],
      [
        "another DestinationRule naming a team's own gateway",
        withObject(otherRule, { ...otherRule.object, spec: { ...spec(otherRule), host: 'istio-egressgateway.team-a.svc.cluster.local' } }),
        true,
      ],
      [
        'a new DestinationRule for the gateway',
        withObject(gatewayRule, { ...gatewayRule.object, metadata: { name: 'added', namespace: 'istio-system' }, spec: { host: 'istio-egressgateway.istio-system.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE' } } } }, { name: 'added' }),
        false,
      ],
      ['the gateway DestinationRule replaced by another API group', withObject(gatewayRule, { ...gatewayRule.object, apiVersion: 'example.com/v1' }, { apiVersion: 'example.com/v1' }), false],
    ];
    const view = (inventory: Inventory) => ({
      hosts: egressGatewayServiceHosts(inventory, mesh),
      rules: egressGatewayDestinationRules(inventory, egressGatewayServiceHosts(inventory, mesh)).map((r) => r.id),
      destinationRules: istioResources(inventory, 'DestinationRule').map((r) => r.id),
      inNamespace: istioResources(inventory, 'DestinationRule', 'istio-system').map((r) => r.id),
    });
    const snapshotHosts = egressGatewayServiceHosts(snapshot, mesh);
    for (const [what, admitted, changesHosts] of overlays) {
      const overlay = Inventory.withResource(snapshot, admitted);
      const replaced = snapshot.get(admitted.kind, admitted.namespace, admitted.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? admitted : r)) : [...resources, admitted]);
      expect(view(overlay), what).toEqual(view(fresh));
      expect(egressGatewayServiceHosts(overlay, mesh).join() !== snapshotHosts.join(), what).toBe(changesHosts);
      const all = fresh.all;
      expect(describeFindings(evaluate({ ...base, resources: all, inventory: overlay }).findings), what).toEqual(describeFindings(evaluate({ ...base, resources: all, inventory: fresh }).findings));
    }
  });
  it('give the external hosts, the VirtualServices of each host and every finding a fresh inventory gives, for admitted ServiceEntries and VirtualServices', async () => {
    const resources = (await loadWorkspace(['fixtures/platform/good', 'fixtures/rules/egress-via-gateway'], ROOT, DEFAULT_CONFIG)).resources;
    const snapshot = new Inventory(resources);
    evaluate({ ...base, resources, inventory: snapshot });
    const external = externalHostNames(snapshot);
    expect(external.length).toBeGreaterThan(1);
    const serviceEntry = resources.find((r) => r.kind === 'ServiceEntry' && (r.object.spec as { location?: string }).location !== 'MESH_INTERNAL')!;
    const routing = resources.find((r) => r.kind === 'VirtualService' && virtualServiceHosts(r).some((h) => external.includes(h)))!;
    expect(serviceEntry && routing).toBeTruthy();
    const spec = (r: Resource) => r.object.spec as Record<string, unknown>;
    const added = 'api.new-partner.example.com';
    const overlays: [string, Resource][] = [
      ['a ServiceEntry unchanged', withObject(serviceEntry, serviceEntry.object)],
      ['a ServiceEntry with a new host', withObject(serviceEntry, { ...serviceEntry.object, spec: { ...spec(serviceEntry), hosts: [added] } })],
      ['a ServiceEntry made MESH_INTERNAL', withObject(serviceEntry, { ...serviceEntry.object, spec: { ...spec(serviceEntry), location: 'MESH_INTERNAL' } })],
      ['a VirtualService moved to the new host', withObject(routing, { ...routing.object, spec: { ...spec(routing), hosts: [added] } })],
      ['a VirtualService moved to an internal host', withObject(routing, { ...routing.object, spec: { ...spec(routing), hosts: ['reviews'] } })],
      [
        'a new VirtualService for every external host',
        withObject(routing, { ...routing.object, metadata: { name: 'catch-all', namespace: routing.namespace }, spec: { ...spec(routing), hosts: ['*.com', '*.io'] } }, { name: 'catch-all' }),
      ],
    ];
    const view = (inventory: Inventory) => ({
      external: externalHostNames(inventory),
      virtualServices: Object.fromEntries([...external, added].map((h) => [h, virtualServicesFor(inventory, h).map((r) => r.id)])),
    });
    for (const [what, admitted] of overlays) {
      const overlay = Inventory.withResource(snapshot, admitted);
      const replaced = snapshot.get(admitted.kind, admitted.namespace, admitted.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? admitted : r)) : [...resources, admitted]);
      expect(view(overlay), what).toEqual(view(fresh));
      const all = fresh.all;
      expect(describeFindings(evaluate({ ...base, resources: all, inventory: overlay }).findings), what).toEqual(describeFindings(evaluate({ ...base, resources: all, inventory: fresh }).findings));
    }
    // The snapshot's own views are untouched by the requests laid over it.
    expect(externalHostNames(snapshot)).toEqual(external);
  });
});

describe('incremental overlay of the NetworkPolicy bulkhead analysis', () => {
  it('gives the analysis and every finding of the tree a fresh inventory gives, for workloads with and without bypasses', async () => {
    const mesh = DEFAULT_CONFIG.mesh;
    const { resources } = await loadWorkspace(['fixtures/rules/capture-bypass-bulkhead', 'fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    evaluate({ ...base, resources, inventory: snapshot });
    const bypassing = resources.find((r) => r.kind === 'StatefulSet' && r.name === 'zookeeper')!;
    const plain = resources.find((r) => r.kind === 'Deployment' && r.namespace === bypassing.namespace && r.name !== 'hazelcast') ?? resources.find((r) => r.kind === 'Deployment' && r.name !== 'hazelcast')!;
    const template = (r: Resource) => (r.object.spec as { template: { metadata?: Record<string, unknown> } }).template;
    const withAnnotations = (r: Resource, annotations: Record<string, string>, changes: Partial<Resource> = {}): Resource => {
      const spec = r.object.spec as Record<string, unknown>;
      const metadata = { ...template(r).metadata, annotations };
      return { ...r, ...changes, id: `admission#${r.id}`, object: { ...r.object, spec: { ...spec, template: { ...template(r), metadata } } } };
    };
    const overlays: [string, Resource][] = [
      ['a workload without bypasses, unchanged', { ...plain, id: `admission#${plain.id}` }],
      ['a workload now bypassing the sidecar', withAnnotations(plain, { 'sidecar.istio.io/interceptionMode': 'NONE' })],
      ['a bypassing workload, unchanged', { ...bypassing, id: `admission#${bypassing.id}` }],
      ['a bypassing workload no longer bypassing', withAnnotations(bypassing, {})],
      ['a new workload in the namespace, bypassing', withAnnotations(plain, { 'sidecar.istio.io/interceptionMode': 'NONE' }, { name: 'added', namespace: bypassing.namespace })],
      ['a new workload in the namespace, not bypassing', withAnnotations(plain, {}, { name: 'added', namespace: bypassing.namespace })],
    ];
    const analysis = (inventory: Inventory, namespace?: string) => {
      const { unguarded, exposures } = bulkheadAnalysis(inventory, mesh, namespace);
      return {
        unguarded: unguarded.map((u) => `${u.resource.id} ${u.direction} ${JSON.stringify(u.bypass)}`),
        exposures: exposures.map((e) => `${e.policy.resource.id} ${e.direction} ${e.reach} ${e.path.join('/')} ${e.exposed.map((x) => `${x.resource.id}:${JSON.stringify(x.ports)}`).join(',')}`),
      };
    };
    let changed = 0;
    for (const [what, admitted] of overlays) {
      const overlay = Inventory.withResource(snapshot, admitted);
      const replaced = snapshot.get(admitted.kind, admitted.namespace, admitted.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? admitted : r)) : [...resources, admitted]);
      for (const namespace of [undefined, bypassing.namespace, plain.namespace]) {
        expect(analysis(overlay, namespace), `${what} (${namespace ?? 'all namespaces'})`).toEqual(analysis(fresh, namespace));
        if (JSON.stringify(analysis(overlay, namespace)) !== JSON.stringify(analysis(snapshot, namespace))) changed++;
      }
      const all = fresh.all;
      expect(describeFindings(evaluate({ ...base, resources: all, inventory: overlay }).findings), what).toEqual(describeFindings(evaluate({ ...base, resources: all, inventory: fresh }).findings));
    }
    // The cases that change the analysis do change it: the comparison above is not between identical views only.
    expect(changed).toBeGreaterThan(0);
  });
});

describe('incremental overlay of the injected workloads of a namespace', () => {
  it('gives the list, in tree order, and every finding a fresh inventory gives', async () => {
    const mesh = DEFAULT_CONFIG.mesh;
    const { resources } = await loadWorkspace(['fixtures/rules/udp-bulkhead', 'fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    evaluate({ ...base, resources, inventory: snapshot });
    const namespaces = [...new Set(resources.filter((r) => r.kind === 'Deployment').map((r) => r.namespace!))];
    const injected = namespaces.flatMap((ns) => injectedWorkloadsIn(ns, snapshot, mesh));
    expect(injected.length).toBeGreaterThan(1);
    const workload = injected[0]!;
    const other = injected[1]!;
    const template = (r: Resource) => (r.object.spec as { template: { metadata?: Record<string, unknown> } }).template;
    const withInject = (r: Resource, inject: string, changes: Partial<Resource> = {}): Resource => {
      const spec = r.object.spec as Record<string, unknown>;
      const metadata = { ...template(r).metadata, annotations: { 'sidecar.istio.io/inject': inject } };
      return { ...r, ...changes, id: `admission#${r.id}`, object: { ...r.object, spec: { ...spec, template: { ...template(r), metadata } } } };
    };
    const overlays: [string, Resource][] = [
      ['an injected workload, unchanged', { ...workload, id: `admission#${workload.id}` }],
      ['an injected workload from another place in the tree', { ...workload, id: `admission#${workload.id}`, source: { ...workload.source, file: 'zz-admission.yaml' } }],
      ['an injected workload at the same place in the tree as another', { ...workload, id: `admission#${workload.id}`, source: other.source }],
      ['an injected workload opting out', withInject(workload, 'false')],
      ['a new injected workload', withInject(workload, 'true', { name: 'added', source: { ...workload.source, file: 'a-admission.yaml' } })],
      ['a new workload opting out', withInject(workload, 'false', { name: 'added' })],
    ];
    for (const [what, admitted] of overlays) {
      const overlay = Inventory.withResource(snapshot, admitted);
      const replaced = snapshot.get(admitted.kind, admitted.namespace, admitted.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? admitted : r)) : [...resources, admitted]);
      for (const namespace of namespaces) {
        expect(injectedWorkloadsIn(namespace, overlay, mesh).map((r) => r.id), `${what} (${namespace})`).toEqual(injectedWorkloadsIn(namespace, fresh, mesh).map((r) => r.id));
      }
      const all = fresh.all;
      expect(describeFindings(evaluate({ ...base, resources: all, inventory: overlay }).findings), what).toEqual(describeFindings(evaluate({ ...base, resources: all, inventory: fresh }).findings));
    }
  });
});
