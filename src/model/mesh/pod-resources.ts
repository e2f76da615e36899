import type { JsonPath } from '../types.js';

/** The compute resources quotas, LimitRanges and the HPA reason about. */
export type ComputeResource = 'cpu' | 'memory';
export const COMPUTE_RESOURCES: readonly ComputeResource[] = ['cpu', 'memory'];

/** Amounts in milli-units (see quantity.ts); a missing key means "not set". */
export type Amounts = Partial<Record<ComputeResource, bigint>>;

/** Who put a container in the pod: the manifest, or Istio's injector. */
export type ContainerOrigin = 'declared' | 'istio-proxy' | 'istio-init';

export interface PodContainer {
  name: string;
  origin: ContainerOrigin;
  /** In `initContainers` (the injected proxy is, in native-sidecar mode). */
  init: boolean;
  /** An init container with `restartPolicy: Always`: a native sidecar that runs for the pod's lifetime. */
  restartable: boolean;
  requests: Amounts;
  limits: Amounts;
  /** Where findings about this container point: the container entry, or the annotation that shaped it. */
  path: JsonPath;
}

export interface PodShape {
  containers: PodContainer[];
  /** In declaration order: the order matters for restartable init containers. */
  initContainers: PodContainer[];
  /** `spec.overhead` (RuntimeClass), added on top of the containers. */
  overhead: Amounts;
  /** Pod-level `spec.resources` (PodLevelResources): overrides the container aggregate for cpu/memory. */
  podLevel: { requests: Amounts; limits: Amounts };
}

/**
 * Requests always have a value (unset = 0); a limit is `undefined` when the pod is unbounded for it,
 * i.e. some container that can run sets no limit and no pod-level limit caps it.
 */
export interface PodTotals {
  requests: Record<ComputeResource, bigint>;
  limits: Partial<Record<ComputeResource, bigint>>;
}

/**
 * What Kubernetes charges a pod for scheduling and ResourceQuota (k8s.io/component-helpers resource
 * PodRequests/PodLimits, KEP-753 sidecar containers, KEP-2837 pod-level resources):
 *
 *   max( sum(containers) + sum(restartable inits),  max_i(init_i + sum(restartable inits declared before i)) )
 *   + spec.overhead
 *
 * A restartable init container keeps running next to every init container declared after it, so
 * those must fit beside it; a plain init container runs alone (apart from earlier restartable ones).
 * A pod-level `spec.resources` value replaces the aggregate for that resource; overhead still adds.
 */
export function effectivePodResources(pod: PodShape): PodTotals {
  const requests = {} as Record<ComputeResource, bigint>;
  const limits: Partial<Record<ComputeResource, bigint>> = {};
  for (const resource of COMPUTE_RESOURCES) {
    const overhead = pod.overhead[resource] ?? 0n;
    // KEP-2837 defaulting: a missing pod-level request is the containers' aggregate when any container
    // sets one, else the pod-level limit.
    const anyContainerRequest = [...pod.containers, ...pod.initContainers].some((c) => c.requests[resource] !== undefined);
    const podRequest = pod.podLevel.requests[resource] ?? (anyContainerRequest ? undefined : pod.podLevel.limits[resource]);
    requests[resource] = (podRequest ?? aggregate(pod, (c) => c.requests[resource] ?? 0n)) + overhead;

    const podLimit = pod.podLevel.limits[resource];
    if (podLimit !== undefined) {
      limits[resource] = podLimit + overhead;
      continue;
    }
    const everyone = [...pod.containers, ...pod.initContainers];
    if (everyone.length > 0 && everyone.every((c) => c.limits[resource] !== undefined)) {
      limits[resource] = aggregate(pod, (c) => c.limits[resource]!) + overhead;
    }
  }
  return { requests, limits };
}

function aggregate(pod: PodShape, amount: (c: PodContainer) => bigint): bigint {
  let running = 0n;
  for (const container of pod.containers) running += amount(container);
  let restartableSoFar = 0n;
  let initPeak = 0n;
  for (const init of pod.initContainers) {
    if (init.restartable) {
      restartableSoFar += amount(init);
      running += amount(init);
      initPeak = max(initPeak, restartableSoFar);
    } else {
      initPeak = max(initPeak, amount(init) + restartableSoFar);
    }
  }
  return max(running, initPeak);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Every container of the pod, init containers first, as the kubelet starts them. */
export function allContainers(pod: PodShape): PodContainer[] {
  return [...pod.initContainers, ...pod.containers];
}

/**
 * Pod QoS class BestEffort: no container (init containers included) sets any cpu or memory request
 * or limit, and there are no pod-level resources (k8s GetPodQOS). Injecting a proxy with resources
 * therefore moves a pod out of BestEffort quota scopes.
 */
export function isBestEffort(pod: PodShape): boolean {
  const sets = (a: Amounts): boolean => COMPUTE_RESOURCES.some((r) => a[r] !== undefined);
  if (sets(pod.podLevel.requests) || sets(pod.podLevel.limits)) return false;
  return allContainers(pod).every((c) => !sets(c.requests) && !sets(c.limits));
}
