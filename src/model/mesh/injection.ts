import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import type { JsonPath, Resource } from '../types.js';
import { isRecord, podTemplateOf, type PodTemplate } from '../workload.js';

const INJECT = 'sidecar.istio.io/inject';
const NAMESPACE_INJECTION = 'istio-injection';
const REVISION = 'istio.io/rev';
const DATAPLANE_MODE = 'istio.io/dataplane-mode';

export type InjectionReason =
  | 'podLabel'
  | 'podAnnotation'
  | 'namespaceLabel'
  | 'namespaceRevision'
  | 'meshDefault'
  | 'hostNetwork'
  | 'ignoredNamespace'
  | 'ambientNamespace'
  | 'noSwitch';

export interface InjectionDecision {
  injected: boolean;
  /** Which switch decided, for messages ("injected because namespace payments has istio-injection=enabled"). */
  reason: InjectionReason;
  /** Path of the deciding switch in the workload, when the workload itself decided. */
  path?: JsonPath;
  /** True when the sidecar runs as a native sidecar (restartable init container). */
  nativeSidecar: boolean;
  /**
   * True when the pod is a gateway (see isGatewayPod): the pod's own `istio-proxy` container IS the gateway,
   * the injector only fills in its image and settings, and adds neither a sidecar nor an init container.
   */
  gateway: boolean;
}

/**
 * Decide whether Istio's injector adds a sidecar to a workload's pods, as istio/pkg/kube/inject does:
 * never for hostNetwork pods, ignored and ambient namespaces; a "false"/"disabled" switch anywhere wins;
 * then an enabling switch at pod or namespace level; else the mesh default.
 */
export function injectionOf(resource: Resource, inventory: Inventory, mesh: MeshSettings): InjectionDecision | undefined {
  // The decision depends on the workload, its Namespace object and the mesh settings alone.
  const namespace = inventory.namespace(resource.namespace ?? '');
  const cached = decisions.get(resource);
  if (cached && cached.mesh === mesh && cached.namespace === namespace) return cached.decision;
  const decision = decideInjection(resource, namespace, mesh);
  decisions.set(resource, { mesh, namespace, decision });
  return decision;
}

const decisions = new WeakMap<Resource, { mesh: MeshSettings; namespace: Resource | undefined; decision: InjectionDecision | undefined }>();

function decideInjection(resource: Resource, namespace: Resource | undefined, mesh: MeshSettings): InjectionDecision | undefined {
  const template = podTemplateOf(resource);
  if (!template) return undefined;
  const namespaceName = resource.namespace ?? '';
  const nativeSidecar = isNativeSidecar(template, mesh);
  const gateway = isGatewayPod(template);
  const decide = (injected: boolean, reason: InjectionReason, path?: JsonPath): InjectionDecision => ({
    injected,
    reason,
    ...(path ? { path } : {}),
    nativeSidecar: injected && nativeSidecar && !gateway,
    gateway: injected && gateway,
  });

  if (template.spec.hostNetwork === true) return decide(false, 'hostNetwork', [...template.path, 'spec', 'hostNetwork']);
  if (mesh.ignoredNamespaces.includes(namespaceName)) return decide(false, 'ignoredNamespace');
  const nsLabels = namespace?.labels ?? {};
  if (nsLabels[DATAPLANE_MODE] === 'ambient') return decide(false, 'ambientNamespace');

  const podLabel = template.labels[INJECT];
  const podAnnotation = template.annotations[INJECT];
  const labelsPath = [...template.path, 'metadata', 'labels', INJECT];
  const annotationsPath = [...template.path, 'metadata', 'annotations', INJECT];
  // The pod label wins over the deprecated annotation; Istio treats y/yes/on/true as true.
  const podSwitch = podLabel !== undefined ? parsePodSwitch(podLabel) : podAnnotation !== undefined ? parsePodSwitch(podAnnotation) : undefined;
  const podPath = podLabel !== undefined ? labelsPath : annotationsPath;
  const podReason: InjectionReason = podLabel !== undefined ? 'podLabel' : 'podAnnotation';

  const nsInjection = nsLabels[NAMESPACE_INJECTION];
  if (nsInjection === 'disabled') return decide(false, 'namespaceLabel');
  if (podSwitch === false) return decide(false, podReason, podPath);
  if (nsInjection === 'enabled') return decide(true, 'namespaceLabel');
  if (nsInjection === undefined && nsLabels[REVISION] !== undefined) return decide(true, 'namespaceRevision');
  // The annotation can only opt out; only the label opts in.
  if (podSwitch === true && podLabel !== undefined) return decide(true, 'podLabel', labelsPath);
  if (mesh.injectByDefault) return decide(true, 'meshDefault');
  return decide(false, 'noSwitch');
}

function parsePodSwitch(value: string): boolean {
  return /^(y|yes|true|on)$/i.test(value.trim());
}

/**
 * Pods whose Envoy IS the workload: a gateway. Either the injection template is Istio's `gateway`
 * (`inject.istio.io/templates`, comma-separated; how the gateway Helm chart and ASM deploy gateways), or the
 * pod runs the proxy itself in router mode (`pilot-agent proxy router`, istioctl's gateway Deployments).
 * Such a pod gets no sidecar and no istio-init: nothing of its traffic is captured, and it runs as UID 1337
 * because the proxy always does.
 */
export function isGatewayPod(template: PodTemplate): boolean {
  const templates = (template.annotations['inject.istio.io/templates'] ?? '').split(',').map((t) => t.trim());
  if (templates.includes('gateway') && !templates.includes('sidecar')) return true;
  const containers = Array.isArray(template.spec.containers) ? template.spec.containers : [];
  return containers.some((c) => isRecord(c) && Array.isArray(c.args) && c.args[0] === 'proxy' && c.args[1] === 'router');
}

/** `sidecar.istio.io/nativeSidecar` overrides the mesh default either way. */
function isNativeSidecar(template: PodTemplate, mesh: MeshSettings): boolean {
  const annotation = template.annotations['sidecar.istio.io/nativeSidecar'];
  if (annotation === 'true') return true;
  if (annotation === 'false') return false;
  return mesh.nativeSidecars;
}

/** A namespace is "injected" when the tree marks it for injection (label or revision) or the mesh injects by default. */
export function isNamespaceInjected(name: string, inventory: Inventory, mesh: MeshSettings): boolean {
  if (mesh.ignoredNamespaces.includes(name)) return false;
  const labels = inventory.namespace(name)?.labels ?? {};
  if (labels[DATAPLANE_MODE] === 'ambient') return false;
  const injection = labels[NAMESPACE_INJECTION];
  if (injection === 'enabled') return true;
  if (injection === 'disabled') return false;
  if (labels[REVISION] !== undefined) return true;
  return mesh.injectByDefault;
}

export function describeInjection(decision: InjectionDecision, namespace: string | undefined): string {
  switch (decision.reason) {
    case 'podLabel':
      return `pod label ${INJECT}`;
    case 'podAnnotation':
      return `pod annotation ${INJECT}`;
    case 'namespaceLabel':
      return `namespace ${namespace} label ${NAMESPACE_INJECTION}`;
    case 'namespaceRevision':
      return `namespace ${namespace} label ${REVISION}`;
    case 'meshDefault':
      return 'the mesh injects by default (mesh.injectByDefault)';
    case 'hostNetwork':
      return 'hostNetwork pods are never injected';
    case 'ignoredNamespace':
      return `namespace ${namespace} is ignored by the injector`;
    case 'ambientNamespace':
      return `namespace ${namespace} runs in ambient mode`;
    case 'noSwitch':
      return 'no injection switch is set';
  }
}
