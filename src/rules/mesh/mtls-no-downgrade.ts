import { describeRef, isIstio, refOf } from '../../model/istio/api.js';
import { destinationHostOf, servicesForHost, tlsSettingsOf } from '../../model/istio/destination-rule.js';
import {
  isWeaker,
  meshMtls,
  resolvePeerAuthentications,
  workloadPolicyOf,
  type EffectiveMtls,
  type PeerAuthenticationPolicy,
  type PeerAuthenticationSet,
} from '../../model/istio/peer-authentication.js';
import { mtlsRegressions } from '../../model/istio/mtls-regressions.js';
import { injectionOf, isNamespaceInjected } from '../../model/mesh/injection.js';
import { meshServices, meshWorkloads, servicePortBypassesSidecars } from '../../model/istio/workloads.js';
import type { Inventory } from '../../model/inventory.js';
import type { Resource, ResourceRef } from '../../model/types.js';
import { POD_BEARING_KINDS, getIn, isRecord } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * mTLS rolls out PERMISSIVE -> STRICT and must never slide back. istioctl's downgrade analyzers
 * (IST0113-0115) are gone, so this rule resolves PeerAuthentications as istiod does and flags every
 * narrower policy, port entry or client TLS setting that weakens what the mesh/namespace promises.
 */
export const mtlsNoDowngradeRule: Rule = {
  meta: {
    id: 'mtls-no-downgrade',
    title: 'mTLS must not be weakened below the mesh-wide or namespace-wide policy',
    description:
      'Resolves PeerAuthentications (mesh, namespace, workload, port) and reports every workload or port policy weaker than the ' +
      'mesh-wide or namespace-wide mode, ignored duplicate or root-namespace selector policies, DestinationRule tls DISABLE/SIMPLE ' +
      'toward in-mesh services at any level, and meshConfig.enableAutoMtls: false. In merge-request mode (--baseline) also every ' +
      'workload/port whose effective mode got weaker than at the base revision, a removed STRICT policy and a workload that lost its sidecar.',
    severity: 'error',
    helpUri: ruleDocsUri('mtls-no-downgrade'),
    tags: ['mesh', 'mtls', 'security'],
    // Workloads and Namespaces too: baseline regressions are reported where they show at head (a workload
    // that lost its sidecar, the namespace a removed policy protected).
    appliesTo: { family: 'kubernetes', kinds: ['PeerAuthentication', 'DestinationRule', 'Namespace', ...POD_BEARING_KINDS] },
  },
  check(resource, context) {
    if (isIstio(resource, 'PeerAuthentication')) checkPeerAuthentication(resource, context);
    else if (isIstio(resource, 'DestinationRule')) checkDestinationRule(resource, context);
    if (context.baseline) checkAgainstBaseline(resource, context, context.baseline);
  },
};

/**
 * Merge-request mode: the regressions between the base revision and head (computed once per run) that sit
 * on this resource. Outside merge-request mode there is no base and nothing of this runs.
 */
function checkAgainstBaseline(resource: Resource, context: RuleContext, baseline: Inventory): void {
  for (const regression of mtlsRegressions(context.inventory, baseline, context.mesh, context.baselineRef)) {
    if (regression.anchor !== resource) continue;
    context.report({
      path: regression.path,
      messageId: regression.kind,
      message: regression.message,
      ...(regression.related.length > 0 ? { related: regression.related } : {}),
    });
  }
}

function checkPeerAuthentication(resource: Resource, context: RuleContext): void {
  const set = resolvePeerAuthentications(context.inventory, context.mesh.rootNamespace, context.mesh.mtls);
  const policy = set.all.find((p) => p.resource === resource);
  if (!policy) return;

  if (policy.invalidMode !== undefined) {
    context.report({
      path: policy.modePath,
      messageId: 'invalidMode',
      message: `mtls.mode "${policy.invalidMode}" is not UNSET, DISABLE, PERMISSIVE or STRICT: Istio rejects this PeerAuthentication`,
    });
  }

  const ignored = set.ignored.find((i) => i.policy === policy);
  if (ignored) {
    if (ignored.reason === 'selectorInRoot') {
      context.report({
        path: ['spec', 'selector'],
        messageId: 'rootSelectorIgnored',
        message: `a PeerAuthentication with a selector in the root namespace ${set.rootNamespace} is ignored by Istio: move it to the workload's namespace`,
      });
    } else if (ignored.winner) {
      const scope = ignored.reason === 'extraMeshWide' ? 'mesh-wide' : `namespace-wide (${policy.namespace})`;
      context.report({
        path: ['metadata', 'name'],
        messageId: 'duplicateIgnored',
        message: `a second ${scope} PeerAuthentication is ignored: Istio only honours the oldest one, ${describeRef(refOf(ignored.winner.resource))}`,
        related: [refOf(ignored.winner.resource)],
      });
    }
    return;
  }

  if (policy.scope !== 'workload' && policy.ports.length > 0) {
    context.report({
      path: ['spec', 'portLevelMtls'],
      messageId: 'portLevelWithoutSelector',
      severity: 'warning',
      message: 'portLevelMtls only applies to a PeerAuthentication with a selector: Istio ignores these port settings',
    });
  }

  if (policy.scope === 'mesh' && !context.mesh.enableAutoMtls) {
    // meshConfig has no node in the tree: the mesh-wide policy is the closest statement of mesh mTLS intent.
    context.report({
      path: ['metadata', 'name'],
      messageId: 'autoMtlsDisabled',
      message:
        'meshConfig.enableAutoMtls is false (mesh.enableAutoMtls): clients only use mTLS where a DestinationRule says ISTIO_MUTUAL, ' +
        'so calls to STRICT workloads fail or fall back to plaintext',
    });
  }

  const reference = referenceFor(set, policy, context.mesh.mtls === 'STRICT');
  if (!reference) return;
  const stronger = reference.policy;
  // Without a mesh-wide policy in the tree, the top level is Istio's default or what the platform configured.
  const strongerName = stronger
    ? `${reference.scope === 'mesh' ? 'the mesh-wide' : 'the namespace-wide'} ${describeRef(refOf(stronger.resource))} (${reference.mode})`
    : `the mesh-wide mode ${context.mesh.mtls === 'STRICT' ? 'STRICT (mesh.mtls in the meshguard configuration)' : "PERMISSIVE (Istio's default; the tree has no mesh-wide PeerAuthentication)"}`;
  const related = stronger ? { related: [refOf(stronger.resource)] } : {};

  if (policy.mode !== 'UNSET' && isWeaker(policy.mode, reference.mode)) {
    const workloads = policy.scope === 'workload' ? affectedWorkloads(set, policy, context) : '';
    context.report({
      path: policy.modePath,
      messageId: policy.scope === 'namespace' ? 'namespaceDowngrade' : 'workloadDowngrade',
      message: `mtls.mode ${policy.mode} is weaker than ${strongerName}${workloads}`,
      ...related,
    });
  }
  for (const entry of policy.scope === 'workload' ? policy.ports : []) {
    if (entry.mode === 'UNSET' || !isWeaker(entry.mode, reference.mode)) continue;
    context.report({
      path: entry.path,
      messageId: 'portDowngrade',
      message: `port ${entry.port} mtls.mode ${entry.mode} is weaker than ${strongerName}${affectedWorkloads(set, policy, context)}`,
      ...related,
    });
  }
}

/**
 * What a policy must not go below: for a namespace-wide policy the mesh-wide one; for a workload policy the
 * stronger of the mesh-wide and namespace-wide ones (a namespace downgrade is reported on its own and does
 * not license the workloads under it). For workload policies only written modes count; a namespace-wide policy
 * must also not go below the top level (Istio's PERMISSIVE, or `mesh.mtls`) when the tree has no mesh-wide one.
 */
function referenceFor(set: PeerAuthenticationSet, policy: PeerAuthenticationPolicy, configuredStrict: boolean): EffectiveMtls | undefined {
  if (policy.scope === 'mesh') return undefined;
  const mesh = meshMtls(set);
  // The top level without a policy binds namespaces, and workloads too when the platform configured it STRICT
  // (workload exceptions under Istio's PERMISSIVE default are the documented pattern).
  const candidates: EffectiveMtls[] = mesh.policy || policy.scope === 'namespace' || configuredStrict ? [mesh] : [];
  const namespacePolicy = set.namespaceWide.get(policy.namespace);
  if (policy.scope === 'workload' && namespacePolicy && namespacePolicy.mode !== 'UNSET') {
    candidates.push({ mode: namespacePolicy.mode, policy: namespacePolicy, scope: 'namespace', path: namespacePolicy.modePath });
  }
  return candidates.reduce<EffectiveMtls | undefined>((best, c) => (!best || isWeaker(best.mode, c.mode) ? c : best), undefined);
}

/** ": applies to Deployment team/api, ..." for the workloads of the tree this policy actually decides. */
function affectedWorkloads(set: PeerAuthenticationSet, policy: PeerAuthenticationPolicy, context: RuleContext): string {
  const names = meshWorkloads(context.inventory, context.mesh, policy.namespace)
    .filter((w) => workloadPolicyOf(set, w) === policy)
    .map((w) => `${w.resource.kind} ${w.resource.name}`);
  return names.length > 0 ? `; applies to ${names.join(', ')}` : '';
}

function checkDestinationRule(resource: Resource, context: RuleContext): void {
  const host = destinationHostOf(resource);
  if (!host) return;
  const services = servicesForHost(host, meshServices(context.inventory, context.mesh));
  const inMesh = services.filter((s) => s.inMesh);
  // The Service object, or the pods it selects, may live elsewhere (another repository, a Helm chart): a host of
  // an injected namespace is in the mesh all the same. Known backends without sidecars say otherwise.
  const backendsUnknown = services.every((s) => s.backends.length === 0 && isRecord(getIn(s.resource.object, ['spec', 'selector'])));
  const injectedNamespace = inMesh.length === 0 && backendsUnknown ? injectedNamespaceOfHost(host, context) : undefined;
  if (inMesh.length === 0 && injectedNamespace === undefined) return;
  // Worded only for a DestinationRule that is reported: most DestinationRules of a tree keep mTLS.
  let worded: { names: string; related: ResourceRef[] } | undefined;
  const wording = (): { names: string; related: ResourceRef[] } =>
    (worded ??= {
      names: inMesh.length > 0 ? inMesh.map((s) => describeRef(refOf(s.resource))).join(', ') : `${host} (namespace ${injectedNamespace} is injected)`,
      related: inMesh.map((s) => refOf(s.resource)),
    });
  for (const setting of tlsSettingsOf(resource)) {
    if (setting.mode !== 'DISABLE' && setting.mode !== 'SIMPLE') continue;
    // A port every backend excludes from inbound capture (ZooKeeper's 2181, Hazelcast's 5701) has no sidecar
    // to terminate mTLS: plaintext there is the only thing that works, and the bypass rules guard the port.
    if (setting.mode === 'DISABLE' && setting.port !== undefined && inMesh.every((s) => servicePortBypassesSidecars(s, setting.port!))) continue;
    const where = [setting.subset !== undefined ? `subset ${setting.subset}` : '', setting.port !== undefined ? `port ${setting.port}` : '']
      .filter(Boolean)
      .join(', ');
    const scope = where ? ` (${where})` : '';
    const effect =
      setting.mode === 'DISABLE'
        ? 'sends plaintext and overrides auto mTLS'
        : 'originates one-way TLS with the app certificate instead of Istio mTLS, so the server cannot authenticate the caller';
    const { names, related } = wording();
    context.report({
      path: setting.path,
      messageId: setting.mode === 'DISABLE' ? 'tlsDisabledInMesh' : 'simpleTlsInMesh',
      message: `tls.mode ${setting.mode}${scope} toward ${names}, whose pods have sidecars: it ${effect}; use ISTIO_MUTUAL or drop the tls block`,
      ...(related.length > 0 ? { related } : {}),
    });
  }
}

/**
 * The namespace of a cluster-local host (`name.namespace.svc.cluster.local`, short names already qualified, or
 * `*.namespace.svc.cluster.local`) when the tree marks that namespace for injection; undefined otherwise.
 */
function injectedNamespaceOfHost(host: string, context: RuleContext): string | undefined {
  const match = /^(?:\*|[a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
  const namespace = match?.[1];
  if (namespace === undefined) return undefined;
  if (context.inventory.namespace(namespace)) return isNamespaceInjected(namespace, context.inventory, context.mesh) ? namespace : undefined;
  // Without a Namespace object, only workloads injected by the namespace or mesh default show it: one workload
  // opting in with its own label (an addon in istio-system) does not put istiod in the mesh.
  const byDefault = meshWorkloads(context.inventory, context.mesh, namespace).some(
    (w) => w.injected && injectionOf(w.resource, context.inventory, context.mesh)?.reason === 'meshDefault',
  );
  return byDefault ? namespace : undefined;
}
