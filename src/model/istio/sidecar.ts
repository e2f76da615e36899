import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import type { JsonPath, Resource } from '../types.js';
import { getIn, isRecord } from '../workload.js';
import { istioResources, labelSelector, specOf } from './api.js';
import { parseNamespacedHost } from './hosts.js';

/**
 * Istio's Sidecar resource (networking.istio.io): which services a proxy is programmed with (egress
 * hosts `namespace/dnsName`) and its outbound traffic policy. A Sidecar without `workloadSelector` is the
 * namespace default (only one may exist per namespace, else behaviour is undefined); in the root namespace
 * it is the default for every namespace that has none of its own. A namespace's own default replaces the
 * root one entirely, and an unset `outboundTrafficPolicy` falls back to meshConfig, not to the root Sidecar.
 */

export interface SidecarHost {
  value: string;
  path: JsonPath;
  /** Undefined when the entry is not `namespace/dnsName` (Istio rejects the Sidecar). */
  parsed?: { namespace: string; host: string };
}

export interface SidecarInfo {
  resource: Resource;
  namespace: string;
  selector?: Readonly<Record<string, string>>;
  /** Every `egress[].hosts[]` entry. */
  hosts: SidecarHost[];
  /** True when `spec.egress` lists at least one listener. */
  hasEgress: boolean;
  outboundMode?: string;
  outboundPath: JsonPath;
}

export function sidecarsOf(inventory: Inventory, namespace?: string): SidecarInfo[] {
  return istioResources(inventory, 'Sidecar', namespace).map(parseSidecar);
}

export function parseSidecar(resource: Resource): SidecarInfo {
  const spec = specOf(resource);
  const selector = labelSelector(getIn(spec, ['workloadSelector', 'labels']));
  const hosts: SidecarHost[] = [];
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  egress.forEach((listener, i) => {
    const list = isRecord(listener) && Array.isArray(listener.hosts) ? listener.hosts : [];
    list.forEach((value, j) => {
      if (typeof value !== 'string') return;
      const parsed = parseNamespacedHost(value);
      hosts.push({ value, path: ['spec', 'egress', i, 'hosts', j], ...(parsed ? { parsed } : {}) });
    });
  });
  const mode = getIn(spec, ['outboundTrafficPolicy', 'mode']);
  return {
    resource,
    namespace: resource.namespace ?? '',
    ...(selector ? { selector } : {}),
    hosts,
    hasEgress: egress.length > 0,
    ...(typeof mode === 'string' ? { outboundMode: mode } : {}),
    outboundPath: typeof mode === 'string' ? ['spec', 'outboundTrafficPolicy', 'mode'] : ['spec'],
  };
}

/** The host `*` in namespace `*`: every service of every namespace, i.e. no scoping at all. */
export function isUnrestrictedHost(host: SidecarHost): boolean {
  return host.parsed?.namespace === '*' && host.parsed.host === '*';
}

/** The selector-less Sidecars of a namespace, in load order (Istio honours one; the rest are undefined behaviour). */
export function namespaceDefaultSidecars(inventory: Inventory, namespace: string): SidecarInfo[] {
  return sidecarsOf(inventory, namespace).filter((s) => s.selector === undefined);
}

export interface OutboundPolicy {
  mode: string;
  /** Where the mode comes from. */
  source: 'namespaceSidecar' | 'rootSidecar' | 'mesh';
  /** The default Sidecar in force for the namespace, if any (even when it leaves the mode to meshConfig). */
  sidecar?: SidecarInfo;
}

/** The outbound traffic policy pods of a namespace get when no selector Sidecar picks them. */
export function outboundPolicyOf(inventory: Inventory, mesh: MeshSettings, namespace: string): OutboundPolicy {
  const own = namespaceDefaultSidecars(inventory, namespace)[0];
  const sidecar = own ?? namespaceDefaultSidecars(inventory, mesh.rootNamespace)[0];
  if (sidecar?.outboundMode !== undefined) {
    return { mode: sidecar.outboundMode, source: own ? 'namespaceSidecar' : 'rootSidecar', sidecar };
  }
  return { mode: mesh.outboundTrafficPolicy, source: 'mesh', ...(sidecar ? { sidecar } : {}) };
}
