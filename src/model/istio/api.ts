import type { Inventory } from '../inventory.js';
import { editedList, memoize, overlaidObject, perObject } from '../memo.js';
import type { Resource, ResourceRef } from '../types.js';
import { isRecord } from '../workload.js';

/**
 * Istio serves the same schema under several versions of one API group (networking.istio.io
 * v1/v1beta1/v1alpha3, security.istio.io v1/v1beta1): a rule matches on kind + group, never on version.
 */
const ISTIO_GROUPS: Readonly<Record<string, { group: string; versions: readonly string[] }>> = {
  ServiceEntry: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'] },
  Gateway: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'] },
  VirtualService: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'] },
  DestinationRule: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'] },
  Sidecar: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'] },
  PeerAuthentication: { group: 'security.istio.io', versions: ['v1', 'v1beta1'] },
};

export type IstioKind = 'ServiceEntry' | 'Gateway' | 'VirtualService' | 'DestinationRule' | 'Sidecar' | 'PeerAuthentication';

/** True when the resource is the Istio kind (not, say, a Gateway API `Gateway` of gateway.networking.k8s.io). */
export function isIstio(resource: Resource, kind: IstioKind): boolean {
  return resource.kind === kind && isIstioApi(resource);
}

/** Whether the resource's apiVersion is a served version of its Istio kind's group (cached per resource). */
const isIstioApi = perObject((resource: Resource): boolean => {
  if (resource.family !== 'kubernetes') return false;
  const api = ISTIO_GROUPS[resource.kind];
  const [group, version] = resource.apiVersion.split('/');
  return api !== undefined && group === api.group && version !== undefined && api.versions.includes(version);
});

/** Every Istio resource of a kind in the tree (optionally one namespace), in load order. */
export function istioResources(inventory: Inventory, kind: IstioKind, namespace?: string): Resource[] {
  return memoize(inventory, `istio/${kind}/${namespace ?? '*'}`, (tree) => {
    const change = overlaidObject(tree);
    if (change && change.resource.kind === kind && (namespace === undefined || change.resource.namespace === namespace)) {
      // Per admission request of this kind: edit the snapshot's list rather than re-test every object of the kind.
      const edited = editedList(istioResources(change.base, kind, namespace), change, isIstio(change.resource, kind));
      if (edited) return edited;
    }
    return tree.ofKind(kind, namespace).filter((r) => isIstio(r, kind));
  });
}

/** The `spec` of a resource, or an empty object when it is missing or malformed. */
export function specOf(resource: Resource): Record<string, unknown> {
  const spec = resource.object.spec;
  return isRecord(spec) ? spec : {};
}

/** A `matchLabels`-style map of strings; `undefined` when absent, not a map, or empty (Istio: no selector). */
export function labelSelector(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Equality-based selection, as Istio's workload selectors and Kubernetes Service selectors do it. */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function sameSelector(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => a[k] === b[k]);
}

export { refOf } from '../refs.js';

/** `Kind namespace/name`, the way messages name another resource. */
export function describeRef(resource: ResourceRef): string {
  return resource.namespace !== undefined ? `${resource.kind} ${resource.namespace}/${resource.name}` : `${resource.kind} ${resource.name}`;
}
