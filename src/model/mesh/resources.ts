import type { MeshSettings } from '../mesh-settings.js';
import { noteKindsRead, trackKindsRead, type Inventory } from '../inventory.js';
import { parseQuantity } from '../quantity.js';
import type { JsonPath, Resource } from '../types.js';
import { isRecord, podTemplateOf, type PodTemplate } from '../workload.js';
import { injectionOf, type InjectionDecision } from './injection.js';
import { applyLimitRangeDefaults, containerLimitsIn, type ContainerLimits } from './limit-range.js';
import { COMPUTE_RESOURCES, type Amounts, type ComputeResource, type PodContainer, type PodShape } from './pod-resources.js';

export type ResourceField = 'requests' | 'limits';

/** The four pod annotations Istio's injection template reads for the proxy's resources. */
export const PROXY_ANNOTATIONS: ReadonlyArray<{ key: string; field: ResourceField; resource: ComputeResource }> = [
  { key: 'sidecar.istio.io/proxyCPU', field: 'requests', resource: 'cpu' },
  { key: 'sidecar.istio.io/proxyMemory', field: 'requests', resource: 'memory' },
  { key: 'sidecar.istio.io/proxyCPULimit', field: 'limits', resource: 'cpu' },
  { key: 'sidecar.istio.io/proxyMemoryLimit', field: 'limits', resource: 'memory' },
];

export interface QuantityProblem {
  path: JsonPath;
  /** The annotation key or `resources.<field>.<resource>` of the container. */
  what: string;
  error: string;
}

export interface AnnotatedQuantity {
  key: string;
  field: ResourceField;
  resource: ComputeResource;
  value: string;
  path: JsonPath;
}

/** The proxy's resources as the injector writes them, before Kubernetes defaulting. */
export interface ProxyResources {
  /** `annotations` as soon as one of the four annotations is set: the mesh defaults are then dropped entirely. */
  source: 'mesh' | 'annotations';
  requests: Amounts;
  limits: Amounts;
  /** The proxy annotations present on the pod template, in PROXY_ANNOTATIONS order. */
  annotated: AnnotatedQuantity[];
  problems: QuantityProblem[];
}

/**
 * Istio's injection template (`resources` helper in injection-template.yaml) uses the mesh's
 * `global.proxy.resources` unless ANY of the four annotations is set; then only the annotated values
 * are written. Only proxyCPU set therefore means no memory request and no limits at all.
 * The same helper sizes the init container (istio-init, or istio-validation with istio-cni).
 */
export function proxyResourcesOf(template: PodTemplate, mesh: MeshSettings): ProxyResources {
  const annotated: AnnotatedQuantity[] = [];
  for (const spec of PROXY_ANNOTATIONS) {
    const value = template.annotations[spec.key];
    if (value === undefined) continue;
    annotated.push({ ...spec, value, path: [...template.path, 'metadata', 'annotations', spec.key] });
  }
  const requests: Amounts = {};
  const limits: Amounts = {};
  const problems: QuantityProblem[] = [];
  if (annotated.length === 0) {
    for (const resource of COMPUTE_RESOURCES) {
      const request = parseQuantity(mesh.proxyResources.requests[resource]);
      if (request.ok) requests[resource] = request.milli;
      const limit = parseQuantity(mesh.proxyResources.limits[resource]);
      if (limit.ok) limits[resource] = limit.milli;
    }
    return { source: 'mesh', requests, limits, annotated, problems };
  }
  for (const a of annotated) {
    const parsed = parseQuantity(a.value);
    if (!parsed.ok) problems.push({ path: a.path, what: a.key, error: parsed.error });
    else if (parsed.milli < 0n) problems.push({ path: a.path, what: a.key, error: `'${a.value}' is negative` });
    else (a.field === 'requests' ? requests : limits)[a.resource] = parsed.milli;
  }
  return { source: 'annotations', requests, limits, annotated, problems };
}

/** A workload's pods as the API server admits them: declared containers plus what Istio injects. */
export interface WorkloadPod {
  template: PodTemplate;
  injection: InjectionDecision;
  /** Set when the pod is injected. */
  proxy?: ProxyResources;
  /** The pod with the injected containers, after request defaulting and LimitRange defaults. */
  shape: PodShape;
  /** The same pod without anything Istio adds: the difference is the sidecar's cost. */
  appShape: PodShape;
  /** LimitRange Container entries of the namespace (already applied to `shape`). */
  limitRanges: ContainerLimits[];
  problems: QuantityProblem[];
}

/**
 * Several rules (quota, proxy resources, HPA skew) need the same pod for the same workload: derive it once
 * per inventory. Keyed by the inventory object itself, so an admission request never sees another's pods.
 */
const pods = new WeakMap<Inventory, WeakMap<MeshSettings, WeakMap<Resource, { pod: WorkloadPod | undefined; kinds: Set<string> }>>>();

export function workloadPodOf(resource: Resource, inventory: Inventory, mesh: MeshSettings): WorkloadPod | undefined {
  let byMesh = pods.get(inventory);
  if (!byMesh) pods.set(inventory, (byMesh = new WeakMap()));
  let byResource = byMesh.get(mesh);
  if (!byResource) byMesh.set(mesh, (byResource = new WeakMap()));
  const cached = byResource.get(resource);
  if (cached) {
    // A rule that gets the pod from here still depends on what deriving it read (LimitRanges, the Namespace).
    noteKindsRead(cached.kinds);
    return cached.pod;
  }
  const { value: pod, kinds } = trackKindsRead(() => deriveWorkloadPod(resource, inventory, mesh));
  byResource.set(resource, { pod, kinds });
  return pod;
}

function deriveWorkloadPod(resource: Resource, inventory: Inventory, mesh: MeshSettings): WorkloadPod | undefined {
  const template = podTemplateOf(resource);
  const injection = injectionOf(resource, inventory, mesh);
  if (!template || !injection) return undefined;
  const limitRanges = containerLimitsIn(resource.namespace ?? '', inventory);
  const problems: QuantityProblem[] = [];
  const specPath = [...template.path, 'spec'];
  const declared = (list: 'containers' | 'initContainers'): PodContainer[] => {
    const entries = template.spec[list];
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((entry, index) => {
      if (!isRecord(entry)) return [];
      const path = [...specPath, list, index];
      const resources = isRecord(entry.resources) ? entry.resources : {};
      const requests = amountsOf(resources.requests, [...path, 'resources', 'requests'], problems);
      const limits = amountsOf(resources.limits, [...path, 'resources', 'limits'], problems);
      const init = list === 'initContainers';
      return [admitted({ name: typeof entry.name === 'string' ? entry.name : `#${index}`, origin: 'declared', init, restartable: init && entry.restartPolicy === 'Always', requests, limits, path }, limitRanges)];
    });
  };
  const containers = declared('containers');
  const initContainers = declared('initContainers');
  const overhead = amountsOf(template.spec.overhead, [...specPath, 'overhead'], problems);
  const podResources = isRecord(template.spec.resources) ? template.spec.resources : {};
  const podLevel = {
    requests: amountsOf(podResources.requests, [...specPath, 'resources', 'requests'], problems),
    limits: amountsOf(podResources.limits, [...specPath, 'resources', 'limits'], problems),
  };
  const appShape: PodShape = { containers, initContainers, overhead, podLevel };
  // A gateway-template pod declares its own istio-proxy container (the gateway) with its own resources:
  // nothing is added to it, so its shape is the declared one and it carries no sidecar cost.
  if (!injection.injected || injection.gateway) return { template, injection, shape: appShape, appShape, limitRanges, problems };

  const proxy = proxyResourcesOf(template, mesh);
  problems.push(...proxy.problems);
  const path = proxyPath(proxy, template);
  const sized = (name: string, origin: PodContainer['origin'], init: boolean, restartable: boolean): PodContainer =>
    admitted({ name, origin, init, restartable, requests: { ...proxy.requests }, limits: { ...proxy.limits }, path }, limitRanges);
  const istioInit = sized('istio-init', 'istio-init', true, false);
  // Native sidecar mode: istio-proxy becomes a restartable init container right after istio-init, so app
  // init containers already have the mesh; otherwise it is prepended to the regular containers.
  const shape: PodShape = injection.nativeSidecar
    ? { ...appShape, initContainers: [istioInit, sized('istio-proxy', 'istio-proxy', true, true), ...initContainers] }
    : { ...appShape, containers: [sized('istio-proxy', 'istio-proxy', false, false), ...containers], initContainers: [istioInit, ...initContainers] };
  return { template, injection, proxy, shape, appShape, limitRanges, problems };
}

/**
 * Where a finding about the proxy's resources points: the annotation of that field when set, else the
 * first proxy annotation (the one that made Istio drop the defaults), else the containers list the
 * proxy joins.
 */
export function proxyPath(proxy: ProxyResources, template: PodTemplate, field?: ResourceField, resource?: ComputeResource): JsonPath {
  const exact = proxy.annotated.find((a) => a.field === field && a.resource === resource);
  if (exact) return exact.path;
  const first = proxy.annotated[0];
  if (first) return first.path;
  return [...template.path, 'spec', 'containers'];
}

/**
 * Kubernetes defaults a missing request to the container's limit (pod API defaulting, re-run after a
 * webhook's patch), then LimitRanger fills what is still missing from the namespace's LimitRanges.
 */
function admitted(container: PodContainer, limitRanges: readonly ContainerLimits[]): PodContainer {
  const requests = { ...container.requests };
  for (const resource of COMPUTE_RESOURCES) {
    if (requests[resource] === undefined && container.limits[resource] !== undefined) requests[resource] = container.limits[resource];
  }
  return { ...container, ...applyLimitRangeDefaults(requests, container.limits, limitRanges) };
}

function amountsOf(value: unknown, path: JsonPath, problems: QuantityProblem[]): Amounts {
  const out: Amounts = {};
  if (!isRecord(value)) return out;
  for (const resource of COMPUTE_RESOURCES) {
    if (value[resource] === undefined) continue;
    const parsed = parseQuantity(value[resource]);
    if (parsed.ok) out[resource] = parsed.milli;
    else problems.push({ path: [...path, resource], what: `${path[path.length - 1]}.${resource}`, error: parsed.error });
  }
  return out;
}

/** The name people use for the injected containers in messages. */
export function describeProxyContainers(pod: WorkloadPod): string {
  return pod.injection.nativeSidecar ? 'istio-proxy (native sidecar) and istio-init' : 'istio-proxy and istio-init';
}
