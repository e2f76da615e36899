import { isNamespaceInjected } from '../../model/mesh/injection.js';
import { describeRef, isIstio, refOf, sameSelector, selectorMatches } from '../../model/istio/api.js';
import { isUnrestrictedHost, namespaceDefaultSidecars, parseSidecar, sidecarsOf, type SidecarInfo } from '../../model/istio/sidecar.js';
import { meshWorkloads, namespaceAnchor, runsOnlyGateways, sidecarWorkloads } from '../../model/istio/workloads.js';
import { POD_BEARING_KINDS } from '../../model/workload.js';
import type { Resource } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

const RECOMMENDED = 'egress: [{hosts: ["./*", "istio-system/*"]}]';

/**
 * Without a Sidecar resource every proxy is programmed with every service of the mesh: config bloat,
 * memory per proxy and istiod push load grow with the mesh ("completely essential at any real scale").
 */
export const sidecarScopeRule: Rule = {
  meta: {
    id: 'sidecar-scope',
    title: 'Every injected namespace scopes its proxies with one default Sidecar',
    description:
      'Each injected namespace needs exactly one selector-less Sidecar whose egress hosts restrict what its proxies are ' +
      'programmed with (no `*/*`, hosts written `namespace/dnsName`); selector Sidecars of one namespace must not select the same workloads.',
    severity: 'warning',
    helpUri: ruleDocsUri('sidecar-scope'),
    tags: ['mesh', 'sidecar', 'scale'],
    appliesTo: { family: 'kubernetes', kinds: ['Sidecar', 'Namespace', ...POD_BEARING_KINDS] },
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        acceptMeshDefault: {
          type: 'boolean',
          default: true,
          description:
            'Let a restricting selector-less Sidecar in the root namespace stand in for namespaces that have none (as Istio does); ' +
            'false requires a default Sidecar in every injected namespace.',
        },
      },
    },
  },
  check(resource, context) {
    if (isIstio(resource, 'Sidecar')) checkSidecar(resource, context);
    else if (resource.kind === 'Namespace') checkNamespace(resource.name, resource, context);
    else if (resource.namespace !== undefined && !context.inventory.namespace(resource.namespace)) {
      checkNamespace(resource.namespace, resource, context);
    }
  },
};

/** Report a namespace without a default Sidecar once, on its anchor (Namespace object or first injected workload). */
function checkNamespace(namespace: string, resource: Resource, context: RuleContext): void {
  const { inventory, mesh } = context;
  if (!isNamespaceInjected(namespace, inventory, mesh)) return;
  if (namespaceAnchor(inventory, mesh, namespace) !== resource) return;
  if (namespaceDefaultSidecars(inventory, namespace).length > 0) return;
  // Sidecar resources never apply to gateways: a namespace of gateways has no proxy to scope.
  if (runsOnlyGateways(inventory, mesh, namespace)) return;
  // The root namespace's selector-less Sidecar is the default of every namespace without one of its own.
  if (context.options.acceptMeshDefault !== false && namespace !== mesh.rootNamespace) {
    const meshDefault = namespaceDefaultSidecars(inventory, mesh.rootNamespace)[0];
    if (meshDefault && restricts(meshDefault)) return;
  }
  // Every sidecar of the namespace already scoped by a Sidecar of its own: a default would apply to no pod.
  const workloads = sidecarWorkloads(inventory, mesh, namespace);
  const own = sidecarsOf(inventory, namespace).filter((s) => s.selector !== undefined && restricts(s));
  if (workloads.length > 0 && workloads.every((w) => own.some((s) => selectorMatches(s.selector!, w.labels)))) return;
  context.report({
    path: ['metadata', 'name'],
    messageId: 'missingDefaultSidecar',
    missingCompanion: true,
    message:
      `injected namespace ${namespace} has no selector-less Sidecar: its proxies are programmed with every service of the mesh. ` +
      `Add a Sidecar named default with ${RECOMMENDED}`,
  });
}

function checkSidecar(resource: Resource, context: RuleContext): void {
  const namespace = resource.namespace ?? '';
  const sidecars = sidecarsOf(context.inventory, namespace);
  // A second document of the same Sidecar is checked for what it says itself, never as a second Sidecar.
  const copy = !context.inventory.isDefinition(resource);
  const sidecar = copy ? parseSidecar(resource) : sidecars.find((s) => s.resource === resource);
  if (!sidecar) return;

  for (const host of sidecar.hosts) {
    if (!host.parsed) {
      context.report({
        path: host.path,
        messageId: 'malformedHost',
        message: `egress host "${host.value}" is not namespace/dnsName (e.g. "./${host.value}" or "*/${host.value}"): Istio rejects this Sidecar`,
      });
    } else if (isUnrestrictedHost(host)) {
      context.report({
        path: host.path,
        messageId: 'unrestrictedEgress',
        message: `egress host "*/*" imports every service of every namespace, which is what a Sidecar is meant to prevent: list the namespaces this workload calls (e.g. "./*", "istio-system/*")`,
      });
    }
  }

  // istiod gives a Sidecar without egress listeners the listener `*/*` (ConvertToSidecarScope): it scopes
  // nothing. Only the root-namespace default may omit them (it can exist just to set mesh-wide defaults).
  const isMeshDefault = sidecar.selector === undefined && namespace === context.mesh.rootNamespace;
  if (!sidecar.hasEgress && !isMeshDefault) {
    context.report({
      path: ['spec'],
      messageId: 'noEgressScope',
      message: `this Sidecar has no egress listeners, so Istio programs ${sidecar.selector ? 'the workloads it selects' : `the proxies of namespace ${namespace}`} with every service ("*/*"): add ${RECOMMENDED}`,
    });
  }

  if (copy) return;
  if (sidecar.selector === undefined) {
    const first = sidecars.find((s) => s.selector === undefined);
    if (first && first !== sidecar) {
      context.report({
        path: ['metadata', 'name'],
        messageId: 'duplicateDefaultSidecar',
        message: `a second selector-less Sidecar in namespace ${namespace} (besides ${describeRef(refOf(first.resource))}): Istio's behaviour is undefined — keep one, named default`,
        related: [refOf(first.resource)],
      });
    }
    return;
  }

  const overlaps = sidecars
    .slice(0, sidecars.indexOf(sidecar))
    .filter((other) => other.selector !== undefined)
    .map((other) => ({ other, shared: sharedWorkload(sidecar, other, context) }))
    .filter(({ other, shared }) => shared !== undefined || sameSelector(other.selector!, sidecar.selector!));
  if (overlaps.length > 0) {
    const names = overlaps
      .map(({ other, shared }) => `${describeRef(refOf(other.resource))}${shared ? ` (both select ${shared.kind} ${shared.name})` : ' (identical selector)'}`)
      .join(', ');
    context.report({
      path: ['spec', 'workloadSelector', 'labels'],
      messageId: 'overlappingSelector',
      message: `this Sidecar's workloadSelector overlaps ${names}: which one a proxy gets is undefined — make the selectors disjoint`,
      related: overlaps.map(({ other }) => refOf(other.resource)),
    });
  }
}

/** A workload of the tree both Sidecars select. */
function sharedWorkload(a: SidecarInfo, b: SidecarInfo, context: RuleContext): Resource | undefined {
  return meshWorkloads(context.inventory, context.mesh, a.namespace).find(
    (w) => selectorMatches(a.selector!, w.labels) && selectorMatches(b.selector!, w.labels),
  )?.resource;
}

/** A default Sidecar restricts egress when it lists hosts and none of them is `*` / `*`. */
function restricts(sidecar: SidecarInfo): boolean {
  return sidecar.hasEgress && sidecar.hosts.length > 0 && !sidecar.hosts.some(isUnrestrictedHost);
}
