import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { destinationHostOf, tlsSettingsOf } from '../../src/model/istio/destination-rule.js';
import {
  egressGatewayServiceHosts,
  egressGatewaysFor,
  externalHostNames,
  externalHostsRoutedBy,
  isAddressRangeEntry,
  isMeshExternal,
  isResolvableName,
  localDestinationOf,
  resolveGatewayRef,
  routedThroughEgressGateway,
  routesHost,
  virtualServiceGateways,
  virtualServiceHosts,
  virtualServiceRoutes,
  virtualServicesFor,
} from '../../src/model/istio/egress.js';
import { meshServices } from '../../src/model/istio/workloads.js';
import { find, tree } from '../helpers/istio-tree.js';

const mesh = DEFAULT_MESH_SETTINGS;

describe('gateway references', () => {
  it('resolves short names in the VirtualService namespace', () => {
    expect(resolveGatewayRef('istio-egressgateway', 'payments')).toBe('payments/istio-egressgateway');
    expect(resolveGatewayRef('istio-system/istio-egressgateway', 'payments')).toBe('istio-system/istio-egressgateway');
    expect(resolveGatewayRef('mesh', 'payments')).toBe('mesh');
  });

  it('binds a VirtualService without gateways to mesh only', () => {
    const { resources } = tree('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: p}\nspec:\n  hosts: [a.example]\n');
    expect(virtualServiceGateways(resources[0]!).map((g) => g.key)).toEqual(['mesh']);
  });
});

describe('virtualServiceRoutes', () => {
  it('gives each route the gateways its matches name, or all of the VirtualService', () => {
    const { resources } = tree(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: payments}
spec:
  hosts: [api.example]
  gateways: [mesh, istio-system/egress]
  http:
    - match: [{gateways: [mesh]}]
      route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: api}}]
    - match: [{gateways: [istio-system/egress]}, {uri: {prefix: /x}}]
      route: [{destination: {host: api.example}}]
  tcp:
    - route: [{destination: {host: backend}}]
`);
    const routes = virtualServiceRoutes(resources[0]!);
    expect(routes.map((r) => [r.path.join('.'), r.gateways.sort()])).toEqual([
      ['spec.http.0', ['mesh']],
      ['spec.http.1', ['istio-system/egress', 'mesh']],
      ['spec.tcp.0', ['istio-system/egress', 'mesh']],
    ]);
    expect(routes[0]!.destinations[0]).toMatchObject({ subset: 'api', hostPath: ['spec', 'http', 0, 'route', 0, 'destination', 'host'] });
    expect(routes[2]!.destinations[0]!.host).toBe('backend.payments.svc.cluster.local');
  });
});

describe('egress gateways', () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
    - port: {number: 443, name: tls, protocol: TLS}
      hosts: ["./*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ingress, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["*"]
---
apiVersion: v1
kind: Service
metadata: {name: egress-gw, namespace: egress}
spec:
  selector: {istio: egressgateway}
`;

  it('finds Gateways on the egress pods whose servers cover the host, ignoring the server namespace part', () => {
    const { inventory } = tree(yaml);
    expect(egressGatewaysFor(inventory, mesh, 'api.example.com').map((g) => g.name)).toEqual(['egress']);
    expect(egressGatewaysFor(inventory, mesh, 'api.example.org')).toEqual([]);
    expect(egressGatewaysFor(inventory, { ...mesh, egressGatewaySelector: { app: 'egress' } }, 'api.example.com')).toEqual([]);
  });

  it('knows the default egress gateway Service and Services selecting the egress pods', () => {
    const { inventory } = tree(yaml);
    expect(egressGatewayServiceHosts(inventory, mesh)).toEqual([
      'istio-egressgateway.istio-system.svc.cluster.local',
      'egress-gw.egress.svc.cluster.local',
    ]);
    expect(egressGatewayServiceHosts(inventory, mesh, ['gw.edge.svc.cluster.local'])[0]).toBe('gw.edge.svc.cluster.local');
  });

  it('treats ServiceEntries as external unless MESH_INTERNAL', () => {
    const { resources } = tree(
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a, namespace: x}\nspec: {hosts: [a.example]}\n---\n' +
        'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: b, namespace: x}\nspec: {hosts: [b.internal], location: MESH_INTERNAL}\n',
    );
    expect(resources.map(isMeshExternal)).toEqual([true, false]);
  });
});

describe('DestinationRule TLS', () => {
  it('collects tls modes at all four levels with their paths', () => {
    const { resources } = tree(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ledger, namespace: payments}
spec:
  host: ledger
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
      - port: {number: 5701}
        tls: {mode: DISABLE}
  subsets:
    - name: v2
      trafficPolicy:
        tls: {mode: SIMPLE}
        portLevelSettings:
          - port: {number: 80}
            tls: {mode: DISABLE}
`);
    const dr = find(resources, 'DestinationRule', 'ledger');
    expect(destinationHostOf(dr)).toBe('ledger.payments.svc.cluster.local');
    expect(tlsSettingsOf(dr).map((s) => [s.level, s.mode, s.subset, s.port, s.path.join('.')])).toEqual([
      ['trafficPolicy', 'ISTIO_MUTUAL', undefined, undefined, 'spec.trafficPolicy.tls.mode'],
      ['portLevelSettings', 'DISABLE', undefined, 5701, 'spec.trafficPolicy.portLevelSettings.0.tls.mode'],
      ['subset', 'SIMPLE', 'v2', undefined, 'spec.subsets.0.trafficPolicy.tls.mode'],
      ['subsetPortLevelSettings', 'DISABLE', 'v2', 80, 'spec.subsets.0.trafficPolicy.portLevelSettings.0.tls.mode'],
    ]);
  });

  it('marks a Service in the mesh when an injected workload backs it', () => {
    const { inventory } = tree(`apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  template:
    metadata: {labels: {app: ledger}}
    spec: {containers: [{name: l, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: payments}
spec: {selector: {app: ledger}}
---
apiVersion: v1
kind: Service
metadata: {name: external-db, namespace: payments}
spec: {type: ExternalName, externalName: db.example.com}
`);
    const services = meshServices(inventory, mesh);
    expect(services.map((s) => [s.fqdn, s.inMesh, s.backends.map((b) => b.containerPorts)])).toEqual([
      ['ledger.payments.svc.cluster.local', true, [[8080]]],
      ['external-db.payments.svc.cluster.local', false, []],
    ]);
  });
});

describe('local destinations (issue 14, class 1)', () => {
  const entry = (spec: string) => tree(`apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se, namespace: shop}\nspec:\n${spec}\n`).resources[0]!;

  it('exempts loopback, unix sockets and link-local endpoints or addresses', () => {
    expect(localDestinationOf(entry('  hosts: [ext-authz.local]\n  endpoints: [{address: 127.0.0.1}]'), 'ext-authz.local')).toContain('127.0.0.1');
    expect(localDestinationOf(entry('  hosts: [authz.local]\n  endpoints: [{address: "::1"}]'), 'authz.local')).toBeDefined();
    expect(localDestinationOf(entry('  hosts: [opa.local]\n  endpoints: [{address: "unix:///var/run/opa.sock"}]'), 'opa.local')).toBeDefined();
    expect(localDestinationOf(entry('  hosts: [metadata]\n  addresses: [169.254.169.254]'), 'metadata')).toContain('link-local');
    expect(localDestinationOf(entry('  hosts: ["169.254.169.254"]'), '169.254.169.254')).toBeDefined();
    expect(localDestinationOf(entry('  hosts: [metadata.google.internal]'), 'metadata.google.internal')).toContain('node-local');
  });

  it('keeps real external hosts, including one loopback endpoint among public ones', () => {
    expect(localDestinationOf(entry('  hosts: [api.example.com]'), 'api.example.com')).toBeUndefined();
    expect(localDestinationOf(entry('  hosts: [db.example]\n  endpoints: [{address: 127.0.0.1}, {address: 203.0.113.7}]'), 'db.example')).toBeUndefined();
    expect(localDestinationOf(entry('  hosts: [metadata.internal.example]'), 'metadata.internal.example')).toBeUndefined();
  });

  it('takes more node-local names from configuration', () => {
    const se = entry('  hosts: [metadata.azure.internal]');
    expect(localDestinationOf(se, 'metadata.azure.internal')).toBeUndefined();
    expect(localDestinationOf(se, 'metadata.azure.internal', ['metadata.azure.internal'])).toBeDefined();
  });
});

describe('where resolution NONE loops (issue 14, class 2)', () => {
  const chain =
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: egress, namespace: istio-system}\nspec:\n  selector: {istio: egressgateway}\n  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [routed.example]}]\n---\n' +
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: istio-system}\nspec:\n  hosts: [bound.example]\n  gateways: [mesh, egress]\n';

  it('is only where a host is routed through an egress Gateway or a VirtualService bound to one', () => {
    const { inventory } = tree(chain);
    expect(routedThroughEgressGateway(inventory, mesh, 'routed.example')).toBe(true);
    expect(routedThroughEgressGateway(inventory, mesh, 'bound.example')).toBe(true);
    expect(routedThroughEgressGateway(inventory, mesh, 'direct.example')).toBe(false);
  });

  it('never applies to wildcards and IP blocks, which DNS cannot resolve', () => {
    expect(isResolvableName('api.example.com')).toBe(true);
    expect(isResolvableName('*.example.com')).toBe(false);
    expect(isResolvableName('10.20.0.0/16')).toBe(false);
    expect(isResolvableName('2001:db8::/32')).toBe(false);
  });

  it('knows an egress gateway that keeps the default name in its own namespace from the chain DestinationRule', () => {
    const { inventory } = tree('apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: egw, namespace: default}\nspec:\n  host: istio-egressgateway.default.svc.cluster.local\n');
    expect(egressGatewayServiceHosts(inventory, mesh)).toContain('istio-egressgateway.default.svc.cluster.local');
    // A configured list is the whole truth.
    expect(egressGatewayServiceHosts(inventory, mesh, ['egress.mesh.svc.cluster.local'])).toEqual(['egress.mesh.svc.cluster.local']);
  });
});

describe('IP-range ServiceEntries and localhost endpoints (issue 14, classes 1 and 2)', () => {
  const entry = (spec: string) => tree(`apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se, namespace: shop}\nspec:\n${spec}\n`).resources[0]!;

  it('tells a range entry from single-address VIPs', () => {
    expect(isAddressRangeEntry(entry('  hosts: [github]\n  addresses: [192.30.252.0/22]'))).toBe(true);
    expect(isAddressRangeEntry(entry('  hosts: [db.example]\n  addresses: [203.0.113.7/32]'))).toBe(false);
    expect(isAddressRangeEntry(entry('  hosts: [db.example]\n  addresses: [203.0.113.7]'))).toBe(false);
  });

  it('counts a localhost endpoint as local', () => {
    expect(localDestinationOf(entry('  hosts: [sidecar-helper.local]\n  endpoints: [{address: localhost}]'), 'sidecar-helper.local')).toBeDefined();
  });
});

describe('indexed host matching', () => {
  it('finds the VirtualServices of a host and the external hosts of a VirtualService as comparing every pair does', () => {
    // Wildcards on either side, a catch-all, case, trailing dots and short names.
    const pool = ['api.example', 'API.example.', '*.example', '*.cdn.example', 'x.cdn.example', '*', 'db', 'db.p.svc.cluster.local', 'a..', 'a.', 'other.test', '*.test'];
    let seed = 5;
    const pick = (): string => pool[((seed = (seed * 69069 + 1) % 4294967296), seed % pool.length)]!;
    let matched = 0;
    for (let round = 0; round < 40; round++) {
      const docs: string[] = [];
      for (let i = 0; i < 6; i++) {
        const hosts = [pick(), pick()].map((h) => JSON.stringify(h)).join(', ');
        docs.push(`apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se${i}, namespace: p}\nspec:\n  hosts: [${hosts}]\n`);
        docs.push(`apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs${i}, namespace: p}\nspec:\n  hosts: [${hosts}, ${JSON.stringify(pick())}]\n`);
      }
      const { resources, inventory } = tree(docs.join('---\n'));
      const services = resources.filter((r) => r.kind === 'VirtualService');
      for (const host of [...externalHostNames(inventory), ...pool]) {
        expect(virtualServicesFor(inventory, host), `round ${round} ${host}`).toEqual(services.filter((vs) => virtualServiceHosts(vs).some((h) => routesHost(h, host))));
      }
      for (const vs of services) {
        const own = virtualServiceHosts(vs);
        const expected = externalHostNames(inventory).filter((h) => own.some((o) => routesHost(o, h)));
        expect(externalHostsRoutedBy(inventory, own), `round ${round} ${own.join(',')}`).toEqual(expected);
        matched += expected.length;
      }
    }
    expect(matched).toBeGreaterThan(100);
  });
});
