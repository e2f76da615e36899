import { isNamespaceInjected } from '../../model/mesh/injection.js';
import { describeRef, isIstio, istioResources, refOf, selectorMatches, specOf } from '../../model/istio/api.js';
import {
  MESH_GATEWAY,
  egressGatewayDestinationRules,
  egressGatewayServiceHosts,
  egressGatewaysFor,
  externalHostsRoutedBy,
  gatewayKey,
  isEgressGateway,
  isAddressRangeEntry,
  isMeshExternal,
  isResolvableName,
  localDestinationOf,
  routedThroughEgressGateway,
  DEFAULT_LOCAL_HOSTS,
  serviceEntryHosts,
  subsetNames,
  virtualServiceGateways,
  virtualServiceHosts,
  virtualServiceRoutes,
  virtualServicesFor,
} from '../../model/istio/egress.js';
import { tlsSettingsOf } from '../../model/istio/destination-rule.js';
import { hostCovers, hostsOverlap } from '../../model/istio/hosts.js';
import { namespaceDefaultSidecars, outboundPolicyOf, parseSidecar, sidecarsOf } from '../../model/istio/sidecar.js';
import { namespaceAnchor, runsOnlyGateways, sidecarWorkloads } from '../../model/istio/workloads.js';
import type { Resource } from '../../model/types.js';
import { POD_BEARING_KINDS } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * Data exfiltration is the reason for egress gateways: traffic to an external host must leave through the
 * egress gateway chain, and sidecars must refuse hosts the registry does not know (REGISTRY_ONLY), or any
 * pod can reach anything directly and the gateway is decoration.
 */
export const egressViaGatewayRule: Rule = {
  meta: {
    id: 'egress-via-gateway',
    title: 'External hosts are reached only through the egress gateway',
    description:
      'Every MESH_EXTERNAL ServiceEntry host needs the full egress-gateway chain (egress Gateway with a server for the host, ' +
      'VirtualService bound to that Gateway and mesh routing sidecars to the egress gateway and the gateway to the host, ' +
      'DestinationRule for the egress gateway service, resolution other than NONE); injected namespaces run with outbound ' +
      'traffic policy REGISTRY_ONLY.',
    severity: 'error',
    helpUri: ruleDocsUri('egress-via-gateway'),
    tags: ['mesh', 'egress', 'security'],
    appliesTo: { family: 'kubernetes', kinds: ['ServiceEntry', 'VirtualService', 'DestinationRule', 'Sidecar', 'Namespace', ...POD_BEARING_KINDS] },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        egressGatewayServices: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description: 'FQDNs of the egress gateway Service (default istio-egressgateway.<rootNamespace>.svc.cluster.local).',
        },
        localHosts: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description:
            'Node-local host names exempt from the egress chain besides localhost and metadata.google.internal (loopback, ' +
            'link-local and unix:// destinations are always exempt).',
        },
      },
    },
  },
  check(resource, context) {
    if (isIstio(resource, 'ServiceEntry')) checkServiceEntry(resource, context);
    else if (isIstio(resource, 'VirtualService')) checkVirtualService(resource, context);
    else if (isIstio(resource, 'DestinationRule')) checkGatewayDestinationRule(resource, context);
    else if (isIstio(resource, 'Sidecar')) checkSidecar(resource, context);
    else if (resource.kind === 'Namespace') checkNamespace(resource.name, resource, context);
    else if (resource.namespace !== undefined && !context.inventory.namespace(resource.namespace)) {
      checkNamespace(resource.namespace, resource, context);
    }
  },
};

function gatewayServiceHosts(context: RuleContext): string[] {
  const configured = context.options.egressGatewayServices;
  const list = Array.isArray(configured) ? configured.filter((h): h is string => typeof h === 'string') : [];
  return egressGatewayServiceHosts(context.inventory, context.mesh, list);
}

function localHostsOption(context: RuleContext): readonly string[] {
  const extra = context.options.localHosts;
  return [...DEFAULT_LOCAL_HOSTS, ...(Array.isArray(extra) ? extra.filter((h): h is string => typeof h === 'string') : [])];
}

function checkServiceEntry(resource: Resource, context: RuleContext): void {
  if (!isMeshExternal(resource)) return;
  const { inventory, mesh } = context;
  const gatewayHosts = gatewayServiceHosts(context);
  const destinationRules = egressGatewayDestinationRules(inventory, gatewayHosts);
  const selector = Object.entries(mesh.egressGatewaySelector).map(([k, v]) => `${k}=${v}`).join(',');
  const localHosts = localHostsOption(context);
  const hosts = serviceEntryHosts(resource).filter(({ host }) => localDestinationOf(resource, host, localHosts) === undefined);
  // NONE only loops where the gateway forwards the traffic; wildcards and IP blocks cannot use DNS at all.
  const resolution = specOf(resource).resolution ?? 'NONE';
  const routed = isAddressRangeEntry(resource) ? [] : hosts.filter(({ host }) => isResolvableName(host) && routedThroughEgressGateway(inventory, mesh, host));
  if (resolution === 'NONE' && routed.length > 0) {
    context.report({
      path: ['spec', 'resolution'],
      messageId: 'resolutionNone',
      message:
        `resolution ${specOf(resource).resolution === undefined ? 'defaults to NONE' : 'NONE'}: the egress gateway that ${routed.map((h) => h.host).join(', ')} ` +
        'is routed through forwards to the original destination address, which is the gateway itself, so traffic loops; use resolution: DNS',
    });
  }
  for (const { host, path } of hosts) {
    const gateways = egressGatewaysFor(inventory, mesh, host);
    const virtualServices = virtualServicesFor(inventory, host);
    const missing: string[] = [];
    if (gateways.length === 0) missing.push(`a Gateway selecting ${selector} with a server for ${host}`);
    if (virtualServices.length === 0) missing.push(`a VirtualService for ${host} bound to the egress Gateway and mesh`);
    if (destinationRules.length === 0) missing.push(`a DestinationRule for the egress gateway service ${gatewayHosts.join(' / ')}`);
    if (missing.length === 0) continue;
    const found = [...gateways, ...virtualServices, ...destinationRules];
    context.report({
      path,
      messageId: 'incompleteEgressChain',
      missingCompanion: true,
      message: `external host ${host} can be reached without the egress gateway: missing ${missing.join('; ')}` +
        (found.length > 0 ? ` (found ${found.map((r) => describeRef(refOf(r))).join(', ')})` : ''),
      ...(found.length > 0 ? { related: found.map(refOf) } : {}),
    });
  }
}

function checkVirtualService(resource: Resource, context: RuleContext): void {
  const { inventory, mesh } = context;
  const ownHosts = virtualServiceHosts(resource);
  const external = externalHostsRoutedBy(inventory, ownHosts);
  if (external.length === 0) return;

  const allGateways = istioResources(inventory, 'Gateway');
  const egressCandidates = [...new Set(external.flatMap((h) => egressGatewaysFor(inventory, mesh, h)))];
  const bindings = virtualServiceGateways(resource);
  const egressKeys = new Set<string>();
  let misnamed = false;
  for (const binding of bindings) {
    if (binding.key === MESH_GATEWAY) continue;
    const gateway = allGateways.find((g) => gatewayKey(g) === binding.key);
    if (gateway && isEgressGateway(gateway, mesh)) {
      egressKeys.add(binding.key);
      continue;
    }
    // Istio resolves a short gateway name in the VirtualService's namespace, not the Gateway's.
    const elsewhere = !gateway && !binding.ref.includes('/') ? egressCandidates.find((g) => g.name === binding.ref) : undefined;
    if (elsewhere) {
      misnamed = true;
      context.report({
        path: binding.path,
        messageId: 'gatewayRefWrongNamespace',
        message: `gateway "${binding.ref}" means ${binding.key} (short names resolve in the VirtualService's namespace), but the egress Gateway is ${describeRef(refOf(elsewhere))}: write "${gatewayKey(elsewhere)}"`,
        related: [refOf(elsewhere)],
      });
    }
  }
  const hasMesh = bindings.some((b) => b.key === MESH_GATEWAY);
  if (!hasMesh) {
    context.report({
      path: ['spec', 'gateways'],
      messageId: 'missingMeshBinding',
      message: `this VirtualService for ${external.join(', ')} is not bound to "mesh": sidecars ignore it and call the external host directly`,
    });
  }
  if (egressKeys.size === 0) {
    if (!misnamed && egressCandidates.length > 0) {
      context.report({
        path: ['spec', 'gateways'],
        messageId: 'missingGatewayBinding',
        message: `this VirtualService for ${external.join(', ')} is not bound to the egress Gateway ${egressCandidates.map((g) => gatewayKey(g)).join(' / ')}`,
        related: egressCandidates.map(refOf),
      });
    }
    return;
  }
  checkRoutes(resource, context, external, egressKeys, hasMesh);
}

/** Sidecar traffic must go to the egress gateway service, gateway traffic to the external host. */
function checkRoutes(resource: Resource, context: RuleContext, external: string[], egressKeys: Set<string>, hasMesh: boolean): void {
  const gatewayHosts = gatewayServiceHosts(context);
  const destinationRules = egressGatewayDestinationRules(context.inventory, gatewayHosts);
  let meshRoutes = 0;
  let gatewayRoutes = 0;
  for (const route of virtualServiceRoutes(resource)) {
    const toMesh = route.gateways.includes(MESH_GATEWAY);
    const toGateway = route.gateways.some((g) => egressKeys.has(g));
    if (toMesh) meshRoutes++;
    if (toGateway) gatewayRoutes++;
    if (toMesh && toGateway) {
      context.report({
        path: route.path,
        messageId: 'routeNotScoped',
        message: `this route applies to both "mesh" and the egress Gateway: give each its own route with match.gateways (mesh -> egress gateway service, gateway -> ${external.join(', ')})`,
      });
      continue;
    }
    for (const destination of route.destinations) {
      const isGatewayService = gatewayHosts.some((g) => hostCovers(destination.host, g));
      if (toMesh && !isGatewayService) {
        context.report({
          path: destination.hostPath,
          messageId: 'meshRouteBypassesGateway',
          message: `the mesh route sends sidecar traffic to ${destination.host} directly instead of the egress gateway service ${gatewayHosts.join(' / ')}`,
        });
      } else if (toMesh && destination.subset !== undefined && destinationRules.length > 0 && !destinationRules.some((dr) => subsetNames(dr).includes(destination.subset!))) {
        context.report({
          path: destination.subsetPath,
          messageId: 'unknownGatewaySubset',
          message: `subset "${destination.subset}" is not defined by ${destinationRules.map((dr) => describeRef(refOf(dr))).join(', ')}: Envoy has no cluster for it and the call fails`,
          related: destinationRules.map(refOf),
        });
      } else if (toGateway && !external.some((h) => hostsOverlap(destination.host, h))) {
        context.report({
          path: destination.hostPath,
          messageId: 'gatewayRouteWrongHost',
          message: `the egress Gateway route sends traffic to ${destination.host}, not to the external host ${external.join(', ')}`,
        });
      }
    }
  }
  const meshBinding = virtualServiceGateways(resource).find((b) => b.key === MESH_GATEWAY);
  if (hasMesh && meshRoutes === 0 && meshBinding) {
    context.report({
      path: meshBinding.path,
      messageId: 'missingMeshRoute',
      message: 'no route applies to "mesh": sidecars fall through to the ServiceEntry and call the external host directly',
    });
  }
  if (gatewayRoutes === 0) {
    const binding = virtualServiceGateways(resource).find((b) => egressKeys.has(b.key));
    context.report({
      path: binding?.path ?? ['spec', 'gateways'],
      messageId: 'missingGatewayRoute',
      message: `no route applies to the egress Gateway: traffic arriving there for ${external.join(', ')} is dropped`,
    });
  }
}

/**
 * The hop from a sidecar to the egress gateway should be Istio mTLS (ISTIO_MUTUAL, or auto mTLS when no tls is
 * written): an explicit DISABLE or SIMPLE sends the traffic to the gateway without a client identity, so the
 * gateway cannot tell which workload is sending data out.
 */
function checkGatewayDestinationRule(resource: Resource, context: RuleContext): void {
  if (egressGatewayDestinationRules(context.inventory, gatewayServiceHosts(context)).every((dr) => dr !== resource)) return;
  for (const setting of tlsSettingsOf(resource)) {
    if (setting.mode !== 'DISABLE' && setting.mode !== 'SIMPLE') continue;
    context.report({
      path: setting.path,
      messageId: 'gatewayHopNotMutual',
      severity: 'warning',
      message: `tls.mode ${setting.mode}${setting.subset !== undefined ? ` (subset ${setting.subset})` : ''} toward the egress gateway: sidecars reach it without Istio mTLS, so it cannot authenticate who sends data out; use ISTIO_MUTUAL`,
    });
  }
}

function checkSidecar(resource: Resource, context: RuleContext): void {
  const sidecar = parseSidecar(resource);
  if (sidecar.outboundMode === 'ALLOW_ANY') {
    context.report({
      path: sidecar.outboundPath,
      messageId: 'allowAny',
      message: 'outboundTrafficPolicy ALLOW_ANY lets these proxies call any host, bypassing the egress gateway: use REGISTRY_ONLY',
    });
    return;
  }
  if (sidecar.outboundMode !== undefined || context.mesh.outboundTrafficPolicy === 'REGISTRY_ONLY') return;
  if (!isNamespaceInjected(sidecar.namespace, context.inventory, context.mesh)) return;
  // A namespace default (or a selector Sidecar) without the field falls back to meshConfig, not to another Sidecar.
  const isDefault = sidecar.selector === undefined;
  if (isDefault && namespaceDefaultSidecars(context.inventory, sidecar.namespace)[0]?.resource !== resource) return;
  context.report({
    path: sidecar.outboundPath,
    messageId: 'registryOnlyMissing',
    message:
      `this Sidecar sets no outboundTrafficPolicy, so ${isDefault ? `the pods of namespace ${sidecar.namespace}` : 'the workloads it selects'} fall back to ` +
      'the mesh default ALLOW_ANY (mesh.outboundTrafficPolicy): add outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
  });
}

/** An injected namespace must end up REGISTRY_ONLY; reported on the namespace when no Sidecar of its own is to blame. */
function checkNamespace(namespace: string, resource: Resource, context: RuleContext): void {
  const { inventory, mesh } = context;
  if (!isNamespaceInjected(namespace, inventory, mesh)) return;
  if (namespaceAnchor(inventory, mesh, namespace) !== resource) return;
  // Gateways are not sidecars: no Sidecar resource or its outbound policy applies to them.
  if (runsOnlyGateways(inventory, mesh, namespace)) return;
  const policy = outboundPolicyOf(inventory, mesh, namespace);
  if (policy.mode === 'REGISTRY_ONLY') return;
  // An explicit ALLOW_ANY or a namespace default without the field is reported on that Sidecar.
  if (policy.source !== 'mesh' || policy.sidecar?.namespace === namespace) return;
  // Every sidecar picked by a Sidecar of its own: the namespace default reaches no pod, those Sidecars are judged themselves.
  const workloads = sidecarWorkloads(inventory, mesh, namespace);
  const selectors = sidecarsOf(inventory, namespace).flatMap((s) => (s.selector ? [s.selector] : []));
  if (workloads.length > 0 && workloads.every((w) => selectors.some((selector) => selectorMatches(selector, w.labels)))) return;
  context.report({
    path: ['metadata', 'name'],
    messageId: 'registryOnlyMissing',
    missingCompanion: true,
    message:
      `injected namespace ${namespace} runs with outbound traffic policy ${policy.mode}` +
      `${policy.sidecar ? ` (the root-namespace default ${describeRef(refOf(policy.sidecar.resource))} does not set it)` : ''}: ` +
      'pods can reach any external host directly. Add a default Sidecar with outboundTrafficPolicy: {mode: REGISTRY_ONLY} or set mesh.outboundTrafficPolicy',
  });
}
