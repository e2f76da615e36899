import type { MeshSettings } from '../mesh-settings.js';
import { compareTreeOrder, type Inventory } from '../inventory.js';
import { captureOf } from '../mesh/capture.js';
import { injectionOf, isGatewayPod } from '../mesh/injection.js';
import { memoize } from '../memo.js';
import { portSetRanges } from '../network/ports.js';
import type { Resource } from '../types.js';
import { POD_BEARING_KINDS, getIn, isRecord, podTemplateOf } from '../workload.js';
import { istioResources, labelSelector, selectorMatches, specOf } from './api.js';
import { serviceFqdn } from './hosts.js';

/** A pod-bearing object of the tree as Istio's policies see it: its namespace and its pods' labels. */
export interface MeshWorkload {
  resource: Resource;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  injected: boolean;
  /**
   * The pods are a gateway (ingress, egress, east-west): their Envoy is the workload. Either the pod says so
   * (isGatewayPod: the `gateway` injection template, the proxy in router mode) or an Istio Gateway's selector
   * picks its labels. Sidecar resources never apply to gateways and nothing of theirs is captured.
   */
  gateway: boolean;
  /** Container ports of the pod template (PeerAuthentication `portLevelMtls` keys are target ports). */
  containerPorts: number[];
}

/**
 * Every pod-bearing workload of the tree (optionally of one namespace), in load order. Memoised per
 * inventory and mesh settings: cross-resource rules ask for it once per resource they check.
 */
export function meshWorkloads(inventory: Inventory, mesh: MeshSettings, namespace?: string): MeshWorkload[] {
  const all = memoize(inventory, mesh, 'istio/workloads', (tree) => collectWorkloads(tree, mesh));
  if (namespace === undefined) return all;
  const byNamespace = memoize(inventory, mesh, 'istio/workloadsByNamespace', (tree) => groupBy(meshWorkloads(tree, mesh), (w) => w.namespace));
  return byNamespace.get(namespace) ?? [];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function collectWorkloads(inventory: Inventory, mesh: MeshSettings): MeshWorkload[] {
  const out: MeshWorkload[] = [];
  // Istio Gateways select their pods in any namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off by default).
  const gatewaySelectors = istioResources(inventory, 'Gateway').flatMap((g) => {
    const selector = labelSelector(specOf(g).selector);
    return selector ? [selector] : [];
  });
  for (const kind of POD_BEARING_KINDS) {
    for (const resource of inventory.ofKind(kind)) {
      const template = podTemplateOf(resource);
      if (!template) continue;
      out.push({
        resource,
        namespace: resource.namespace ?? '',
        labels: template.labels,
        injected: injectionOf(resource, inventory, mesh)?.injected ?? false,
        gateway: isGatewayPod(template) || gatewaySelectors.some((selector) => selectorMatches(selector, template.labels)),
        containerPorts: containerPortsOf(template.spec),
      });
    }
  }
  return out.sort((a, b) => compareTreeOrder(a.resource, b.resource));
}

function containerPortsOf(spec: Record<string, unknown>): number[] {
  const ports: number[] = [];
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  for (const container of containers) {
    const list = isRecord(container) && Array.isArray(container.ports) ? container.ports : [];
    for (const port of list) if (isRecord(port) && typeof port.containerPort === 'number') ports.push(port.containerPort);
  }
  return ports;
}

/** A Service of the tree and whether any injected workload backs it (i.e. its endpoints speak Istio mTLS). */
export interface MeshService {
  resource: Resource;
  fqdn: string;
  inMesh: boolean;
  backends: MeshWorkload[];
}

export function meshServices(inventory: Inventory, mesh: MeshSettings): MeshService[] {
  return memoize(inventory, mesh, 'istio/services', (tree) =>
    tree.ofKind('Service').map((resource) => {
      const namespace = resource.namespace ?? '';
      const selector = labelSelector(getIn(resource.object, ['spec', 'selector']));
      // A Service without selector has hand-managed endpoints: meshguard cannot tell what is behind it.
      const backends = selector ? meshWorkloads(tree, mesh, namespace).filter((w) => selectorMatches(selector, w.labels)) : [];
      return { resource, fqdn: serviceFqdn(resource.name, namespace), inMesh: backends.some((w) => w.injected), backends };
    }),
  );
}

/** Injected workloads that run a sidecar (not gateways) in a namespace: what Sidecar resources and capture apply to. */
export function sidecarWorkloads(inventory: Inventory, mesh: MeshSettings, namespace: string): MeshWorkload[] {
  return meshWorkloads(inventory, mesh, namespace).filter((w) => w.injected && !w.gateway);
}

/**
 * A namespace whose injected workloads in the tree are all gateways (an ingress namespace): nothing there has
 * a sidecar for a default Sidecar or an outbound traffic policy to program. False when the tree shows none.
 */
export function runsOnlyGateways(inventory: Inventory, mesh: MeshSettings, namespace: string): boolean {
  const injected = meshWorkloads(inventory, mesh, namespace).filter((w) => w.injected);
  return injected.length > 0 && injected.every((w) => w.gateway);
}

/**
 * The object that stands for a namespace in findings about the namespace as a whole: its Namespace object
 * when the tree declares one, else its first injected workload (load order); undefined when neither exists.
 */
export function namespaceAnchor(inventory: Inventory, mesh: MeshSettings, namespace: string): Resource | undefined {
  return inventory.namespace(namespace) ?? meshWorkloads(inventory, mesh, namespace).find((w) => w.injected)?.resource;
}

/**
 * Whether traffic to a Service port reaches every injected backend without passing its sidecar: the target
 * port (the Service's `targetPort`, a name resolved through each backend's container ports, else the port
 * itself) is excluded from inbound capture (`excludeInboundPorts`, `includeInboundPorts` without it,
 * `interceptionMode: NONE`). No sidecar terminates mTLS on such a port, so a client must send it plaintext.
 * False when the Service does not declare the port or has no injected backend.
 */
export function servicePortBypassesSidecars(service: MeshService, servicePort: number): boolean {
  const ports = getIn(service.resource.object, ['spec', 'ports']);
  const entry = Array.isArray(ports) ? ports.find((p) => isRecord(p) && p.port === servicePort) : undefined;
  if (!isRecord(entry)) return false;
  const injected = service.backends.filter((w) => w.injected);
  if (injected.length === 0) return false;
  return injected.every((workload) => {
    const template = podTemplateOf(workload.resource);
    const target = resolveTargetPort(entry.targetPort ?? servicePort, template?.spec);
    if (!template || target === undefined) return false;
    return captureOf(template).bypasses.some(
      (b) => (b.direction === 'inbound' || b.direction === 'both') && b.interfaces === undefined && portSetRanges(b.ports).some((r) => r.from <= target && target <= r.to),
    );
  });
}

function resolveTargetPort(target: unknown, spec: Record<string, unknown> | undefined): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = spec && Array.isArray(spec.containers) ? spec.containers : [];
  for (const container of containers) {
    const list = isRecord(container) && Array.isArray(container.ports) ? container.ports : [];
    const named = list.find((p) => isRecord(p) && p.name === target);
    if (isRecord(named) && typeof named.containerPort === 'number') return named.containerPort;
  }
  return undefined;
}
