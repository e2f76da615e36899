import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import { editedList, memoize, overlaidObject, perObject } from '../memo.js';
import { cidrContains, parseCidr } from '../network/cidr.js';
import type { JsonPath, Resource } from '../types.js';
import { getIn, isRecord } from '../workload.js';
import { isIstio, istioResources, labelSelector, selectorMatches, specOf } from './api.js';
import { destinationHostOf } from './destination-rule.js';
import { hostCovers, hostsOverlap, normalizeHost, qualifyHost, serviceFqdn, normalizedHostCovers } from './hosts.js';

/**
 * The egress-gateway chain Istio documents for "egress only through a gateway" (tasks/traffic-management/
 * egress/egress-gateway): a ServiceEntry for the external host, a Gateway on the egress gateway pods with
 * a server for the host, a VirtualService bound to that Gateway and to `mesh` that sends sidecar traffic to
 * the egress gateway service and gateway traffic to the host, and a DestinationRule for the egress gateway
 * service. This module finds those pieces; the rule decides what is missing.
 */

/** The name sidecars use in `gateways:` for themselves. */
export const MESH_GATEWAY = 'mesh';

/** Where the egress gateway Service of a default install lives. */
export function defaultEgressGatewayHost(mesh: MeshSettings): string {
  return serviceFqdn('istio-egressgateway', mesh.rootNamespace);
}

/** ServiceEntry `location` defaults to MESH_EXTERNAL: only MESH_INTERNAL entries are inside the mesh. */
export function isMeshExternal(serviceEntry: Resource): boolean {
  return specOf(serviceEntry).location !== 'MESH_INTERNAL';
}

/** The hosts of a ServiceEntry with their paths. */
export function serviceEntryHosts(serviceEntry: Resource): { host: string; path: JsonPath }[] {
  const hosts = specOf(serviceEntry).hosts;
  if (!Array.isArray(hosts)) return [];
  return hosts.flatMap((host, i) => (typeof host === 'string' && host !== '' ? [{ host: normalizeHost(host), path: ['spec', 'hosts', i] }] : []));
}

/** External hosts declared anywhere in the tree (MESH_EXTERNAL ServiceEntries). */
export function externalHosts(inventory: Inventory): { host: string; serviceEntry: Resource }[] {
  return istioResources(inventory, 'ServiceEntry')
    .filter(isMeshExternal)
    .flatMap((serviceEntry) => serviceEntryHosts(serviceEntry).map(({ host }) => ({ host, serviceEntry })));
}

/** The distinct external hosts of the tree, in order of first appearance: a view, as every VirtualService is matched against it. */
export function externalHostNames(inventory: Inventory): readonly string[] {
  return memoize(inventory, 'istio/externalHostNames', (tree) => [...new Set(externalHosts(tree).map((e) => e.host))]);
}

/** A Gateway runs on the egress gateway pods when its (non-empty) selector matches their labels. */
export function isEgressGateway(gateway: Resource, mesh: MeshSettings): boolean {
  const selector = labelSelector(specOf(gateway).selector);
  return selector !== undefined && selectorMatches(selector, mesh.egressGatewaySelector);
}

/** Gateway server hosts are `[namespace/]dnsName`; the namespace part only limits which VirtualServices may bind. */
export function gatewayServerHosts(gateway: Resource): string[] {
  const servers = specOf(gateway).servers;
  if (!Array.isArray(servers)) return [];
  return servers.flatMap((server) => {
    const hosts = isRecord(server) && Array.isArray(server.hosts) ? server.hosts : [];
    return hosts.filter((h): h is string => typeof h === 'string').map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
  });
}

/** Egress Gateways of the tree whose servers accept `host`. */
export function egressGatewaysFor(inventory: Inventory, mesh: MeshSettings, host: string): Resource[] {
  return istioResources(inventory, 'Gateway').filter(
    (g) => isEgressGateway(g, mesh) && gatewayServerHosts(g).some((server) => hostCovers(server, host)),
  );
}

/**
 * Hosts of the egress gateway Service: the configured ones (default `istio-egressgateway.<root>.svc.cluster.local`)
 * plus any Service of the tree that selects the egress gateway pods.
 */
export function egressGatewayServiceHosts(inventory: Inventory, mesh: MeshSettings, configured: readonly string[] = []): string[] {
  return memoize(inventory, mesh, `istio/egressGatewayServiceHosts/${configured.join(',')}`, (tree) => {
    const change = overlaidObject(tree);
    if (change) {
      // An admitted Service or DestinationRule that names the same gateway host as the object it replaces (most
      // name none) leaves the hosts, and their order, as on the snapshot.
      const { base, resource, replaced } = change;
      const contribution = (r: Resource | undefined): string | undefined => (r ? gatewayServiceHostOf(r, mesh, configured) : undefined);
      if (contribution(resource) === contribution(replaced)) return egressGatewayServiceHosts(base, mesh, configured);
    }
    const hosts = new Set((configured.length > 0 ? configured : [defaultEgressGatewayHost(mesh)]).map(normalizeHost));
    if (configured.length === 0) {
      for (const dr of istioResources(tree, 'DestinationRule')) {
        const host = gatewayServiceHostOf(dr, mesh, configured);
        if (host !== undefined) hosts.add(host);
      }
    }
    for (const service of tree.ofKind('Service')) {
      const host = gatewayServiceHostOf(service, mesh, configured);
      if (host !== undefined) hosts.add(host);
    }
    return [...hosts];
  });
}

/** The egress gateway Service host one object adds to `egressGatewayServiceHosts`, if any. */
function gatewayServiceHostOf(resource: Resource, mesh: MeshSettings, configured: readonly string[]): string | undefined {
  if (resource.kind === 'Service') {
    const selector = serviceSelector(resource);
    return selector && selectorMatches(selector, mesh.egressGatewaySelector) ? normalizeHost(serviceFqdn(resource.name, resource.namespace ?? '')) : undefined;
  }
  // Gateways installed per team (ASM, the gateway Helm chart) keep the default name in their own namespace:
  // `istio-egressgateway.<namespace>` named by the chain's own DestinationRules is that gateway's Service.
  if (configured.length > 0 || !isIstio(resource, 'DestinationRule')) return undefined;
  const host = destinationHostOf(resource);
  return host !== undefined && DEFAULT_GATEWAY_SERVICE.test(host) ? host : undefined;
}

const DEFAULT_GATEWAY_SERVICE = /^istio-egressgateway\.[a-z0-9-]+\.svc\.cluster\.local$/;

/** A Service's pod selector, read once per Service object (every Service request re-derives the hosts). */
const serviceSelector = perObject((service: Resource) => labelSelector(getIn(service.object, ['spec', 'selector'])));

/** DestinationRules whose host is the egress gateway Service. */
export function egressGatewayDestinationRules(inventory: Inventory, gatewayHosts: readonly string[]): Resource[] {
  const isGatewayRule = (dr: Resource): boolean => {
    const host = destinationHostOf(dr);
    // Both sides are normalised already (destinationHostOf, egressGatewayServiceHosts).
    return host !== undefined && gatewayHosts.some((g) => normalizedHostCovers(host, g));
  };
  return memoize(inventory, `istio/egressGatewayDestinationRules/${gatewayHosts.join(',')}`, (tree) => {
    const change = overlaidObject(tree);
    if (change && change.resource.kind === 'DestinationRule') {
      // An admitted DestinationRule edits the snapshot's list in place (see istioResources for the order).
      const admitted = isIstio(change.resource, 'DestinationRule') && isGatewayRule(change.resource);
      const edited = editedList(egressGatewayDestinationRules(change.base, gatewayHosts), change, admitted);
      if (edited) return edited;
    }
    return istioResources(tree, 'DestinationRule').filter(isGatewayRule);
  });
}

/** The subset names a DestinationRule defines. */
export function subsetNames(destinationRule: Resource): string[] {
  const subsets = specOf(destinationRule).subsets;
  if (!Array.isArray(subsets)) return [];
  return subsets.flatMap((s) => (isRecord(s) && typeof s.name === 'string' ? [s.name] : []));
}

/**
 * A VirtualService gateway reference as Istio resolves it: `mesh`, `<namespace>/<name>`, or a short name
 * that means a Gateway in the VirtualService's own namespace (not the gateway's: the classic mistake).
 */
export function resolveGatewayRef(ref: string, virtualServiceNamespace: string): string {
  if (ref === MESH_GATEWAY) return MESH_GATEWAY;
  return ref.includes('/') ? ref : `${virtualServiceNamespace}/${ref}`;
}

export function gatewayKey(gateway: Resource): string {
  return `${gateway.namespace ?? ''}/${gateway.name}`;
}

export interface VirtualServiceGateway {
  ref: string;
  /** `mesh` or `namespace/name`. */
  key: string;
  path: JsonPath;
}

/** `spec.gateways` resolved; Istio binds a VirtualService without gateways to `mesh` only. */
export function virtualServiceGateways(virtualService: Resource): VirtualServiceGateway[] {
  const namespace = virtualService.namespace ?? '';
  const gateways = specOf(virtualService).gateways;
  if (!Array.isArray(gateways) || gateways.length === 0) return [{ ref: MESH_GATEWAY, key: MESH_GATEWAY, path: ['spec', 'hosts'] }];
  return gateways.flatMap((ref, i) => (typeof ref === 'string' ? [{ ref, key: resolveGatewayRef(ref, namespace), path: ['spec', 'gateways', i] }] : []));
}

/**
 * The hosts of a VirtualService, short names qualified in its namespace. Derived once per object: every
 * external host of the tree is matched against every VirtualService's hosts.
 */
export const virtualServiceHosts: (virtualService: Resource) => readonly string[] = perObject((virtualService: Resource) => {
  const hosts = specOf(virtualService).hosts;
  if (!Array.isArray(hosts)) return [];
  return hosts.filter((h): h is string => typeof h === 'string').map((h) => qualifyHost(h, virtualService.namespace ?? ''));
});

export interface RouteDestination {
  host: string;
  subset?: string;
  hostPath: JsonPath;
  subsetPath: JsonPath;
}

export interface VirtualServiceRoute {
  /** Path of the route (`spec.http[i]`, `spec.tls[i]`, `spec.tcp[i]`). */
  path: JsonPath;
  /** Resolved gateway keys the route applies to. */
  gateways: string[];
  destinations: RouteDestination[];
}

/**
 * Routes of every protocol with the gateways each applies to: a match naming `gateways` restricts it, a
 * match without them (or no match at all) applies to every gateway of the VirtualService.
 */
export function virtualServiceRoutes(virtualService: Resource): VirtualServiceRoute[] {
  const spec = specOf(virtualService);
  const namespace = virtualService.namespace ?? '';
  const bound = virtualServiceGateways(virtualService).map((g) => g.key);
  const routes: VirtualServiceRoute[] = [];
  for (const protocol of ['http', 'tls', 'tcp'] as const) {
    const list = spec[protocol];
    if (!Array.isArray(list)) continue;
    list.forEach((route, i) => {
      if (!isRecord(route)) return;
      const matches = Array.isArray(route.match) ? route.match.filter(isRecord) : [];
      const gateways = new Set<string>();
      if (matches.length === 0) bound.forEach((g) => gateways.add(g));
      for (const match of matches) {
        const named = Array.isArray(match.gateways) ? match.gateways.filter((g): g is string => typeof g === 'string') : [];
        if (named.length === 0) bound.forEach((g) => gateways.add(g));
        else named.forEach((g) => gateways.add(resolveGatewayRef(g, namespace)));
      }
      const destinations: RouteDestination[] = [];
      const targets = Array.isArray(route.route) ? route.route : [];
      targets.forEach((target, j) => {
        const destination = isRecord(target) && isRecord(target.destination) ? target.destination : undefined;
        if (!destination || typeof destination.host !== 'string') return;
        const base: JsonPath = ['spec', protocol, i, 'route', j, 'destination'];
        destinations.push({
          host: qualifyHost(destination.host, namespace),
          ...(typeof destination.subset === 'string' ? { subset: destination.subset } : {}),
          hostPath: [...base, 'host'],
          subsetPath: [...base, 'subset'],
        });
      });
      routes.push({ path: ['spec', protocol, i], gateways: [...gateways], destinations });
    });
  }
  return routes;
}

/**
 * Does a VirtualService host speak for the external `host`? Overlapping names count, except the catch-all
 * `*`, which ingress VirtualServices use and which says nothing about a particular external host.
 */
export function routesHost(virtualServiceHost: string, host: string): boolean {
  return virtualServiceHost !== '*' && hostsOverlap(virtualServiceHost, host);
}

/**
 * VirtualServices whose hosts include `host` (or a wildcard over it). A view per host: each ServiceEntry host
 * asks for it several times, and scanning every VirtualService each time made the rule quadratic.
 */
export function virtualServicesFor(inventory: Inventory, host: string): readonly Resource[] {
  return memoize(inventory, `istio/virtualServicesFor/${host}`, (tree) => {
    const normal = normalizeHost(host);
    if (normal.startsWith('*')) return istioResources(tree, 'VirtualService').filter((vs) => virtualServiceHosts(vs).some((h) => routesHost(h, host)));
    // Two names without a wildcard overlap exactly when their normal forms are equal: look those up, and test
    // only the VirtualServices with a wildcard host in full.
    const { all, byHost, wildcard } = virtualServicesByHost(tree);
    const found = new Set<number>(byHost.get(normal));
    for (const i of wildcard) if (virtualServiceHosts(all[i]!).some((h) => routesHost(h, host))) found.add(i);
    return [...found].sort((a, b) => a - b).map((i) => all[i]!);
  });
}

/** The VirtualServices (indexes in tree order) by the normal form of each host without a wildcard; those with one apart. */
function virtualServicesByHost(inventory: Inventory): { all: readonly Resource[]; byHost: ReadonlyMap<string, number[]>; wildcard: readonly number[] } {
  return memoize(inventory, 'istio/virtualServicesByHost', (tree) => {
    const all = istioResources(tree, 'VirtualService');
    const byHost = new Map<string, number[]>();
    const wildcard: number[] = [];
    all.forEach((vs, i) => {
      for (const h of virtualServiceHosts(vs)) {
        if (h === '*') continue; // routesHost: a catch-all VirtualService routes no particular host
        const normal = normalizeHost(h);
        if (normal.startsWith('*')) {
          if (wildcard[wildcard.length - 1] !== i) wildcard.push(i);
          continue;
        }
        const list = byHost.get(normal);
        if (!list) byHost.set(normal, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    });
    return { all, byHost, wildcard };
  });
}

/**
 * `externalHostNames(inventory).filter((h) => hosts.some((o) => routesHost(o, h)))`, for the hosts of one
 * VirtualService: without a wildcard on either side, by looking up normal forms instead of comparing every
 * VirtualService host with every external host.
 */
export function externalHostsRoutedBy(inventory: Inventory, hosts: readonly string[]): string[] {
  const { names, positions, wildcard } = memoize(inventory, 'istio/externalHostPositions', (tree) => {
    const names = externalHostNames(tree);
    const positions = new Map<string, number[]>();
    let wildcard = false;
    names.forEach((name, i) => {
      const normal = normalizeHost(name);
      if (normal.startsWith('*')) wildcard = true;
      const list = positions.get(normal);
      if (list) list.push(i);
      else positions.set(normal, [i]);
    });
    return { names, positions, wildcard };
  });
  if (wildcard || hosts.some((o) => normalizeHost(o).startsWith('*'))) return names.filter((h) => hosts.some((o) => routesHost(o, h)));
  const found = new Set<number>();
  for (const o of hosts) for (const i of positions.get(normalizeHost(o)) ?? []) found.add(i);
  return found.size === 0 ? [] : names.filter((_, i) => found.has(i));
}

/**
 * Destinations on the pod's own host: loopback (an ext-authz or OPA server beside the app, registered as a
 * ServiceEntry so that `extensionProviders` can name it), Unix sockets, and link-local / node-local addresses
 * such as the cloud metadata server. Sending them through an egress gateway is wrong, not just unneeded: the
 * gateway would answer with ITS loopback, and the metadata server would hand every pod the gateway node's identity.
 */
const LOCAL_RANGES = ['127.0.0.0/8', '::1/128', '169.254.0.0/16', 'fe80::/10'].map((c) => parseCidr(c)!);

/** Node-local names resolved to the link-local metadata address (GCE); more via the rule's `localHosts` option. */
export const DEFAULT_LOCAL_HOSTS: readonly string[] = ['localhost', 'metadata.google.internal'];

function isLocalAddress(text: string): boolean {
  const address = text.trim().toLowerCase();
  if (address.startsWith('unix://') || address === 'localhost') return true;
  const cidr = parseCidr(address.includes('/') ? address : `${address}/${address.includes(':') ? 128 : 32}`);
  return cidr !== undefined && LOCAL_RANGES.some((range) => range.family === cidr.family && cidrContains(range, cidr));
}

/**
 * Why a ServiceEntry host is a local destination (see LOCAL_RANGES), or undefined when it is a real external
 * host: every endpoint address or every VIP in `addresses` is loopback/link-local/a Unix socket, or the host
 * itself is such an address or one of `localHosts`.
 */
export function localDestinationOf(serviceEntry: Resource, host: string, localHosts: readonly string[] = DEFAULT_LOCAL_HOSTS): string | undefined {
  const spec = specOf(serviceEntry);
  const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints.filter(isRecord).map((e) => e.address).filter((a): a is string => typeof a === 'string') : [];
  if (endpoints.length > 0 && endpoints.every(isLocalAddress)) return `its endpoints (${endpoints.join(', ')}) are on the pod or node itself`;
  const addresses = Array.isArray(spec.addresses) ? spec.addresses.filter((a): a is string => typeof a === 'string') : [];
  if (addresses.length > 0 && addresses.every(isLocalAddress)) return `its addresses (${addresses.join(', ')}) are link-local or loopback`;
  if (isLocalAddress(host)) return `${host} is a loopback or link-local address`;
  if (localHosts.some((h) => hostCovers(h, host))) return `${host} is a node-local name`;
  return undefined;
}

/** Hosts that are IP blocks rather than names, and wildcards: DNS resolution cannot apply to them. */
export function isResolvableName(host: string): boolean {
  return !host.startsWith('*') && !/^[\d.]+(\/\d+)?$/.test(host) && !host.includes(':');
}

/**
 * A ServiceEntry for address ranges (`addresses` with a CIDR block wider than one address): its hosts are
 * labels for the range, so the traffic cannot be resolved by name and `resolution: NONE` is the only fit.
 */
export function isAddressRangeEntry(serviceEntry: Resource): boolean {
  const addresses = specOf(serviceEntry).addresses;
  if (!Array.isArray(addresses)) return false;
  return addresses.some((a) => {
    if (typeof a !== 'string' || !a.includes('/')) return false;
    const cidr = parseCidr(a.trim());
    return cidr !== undefined && cidr.prefix < (cidr.family === 4 ? 32 : 128);
  });
}

/** Is the host routed through the egress gateway chain at all (a Gateway server or a VirtualService bound to an egress Gateway)? */
export function routedThroughEgressGateway(inventory: Inventory, mesh: MeshSettings, host: string): boolean {
  if (egressGatewaysFor(inventory, mesh, host).length > 0) return true;
  const egressKeys = new Set(istioResources(inventory, 'Gateway').filter((g) => isEgressGateway(g, mesh)).map(gatewayKey));
  return virtualServicesFor(inventory, host).some((vs) => virtualServiceGateways(vs).some((g) => egressKeys.has(g.key)));
}
