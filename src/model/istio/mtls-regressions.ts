import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import { injectionOf, type InjectionDecision } from '../mesh/injection.js';
import { memoize } from '../memo.js';
import type { JsonPath, Resource, ResourceRef } from '../types.js';
import { podTemplateOf } from '../workload.js';
import { describeRef, refOf, sameSelector } from './api.js';
import { mtlsSnapshot, type WorkloadMtls } from './mtls-snapshot.js';
import { isWeaker, meshMtls, namespaceMtls, resolvePeerAuthentications, type PeerAuthenticationPolicy, type PeerAuthenticationSet } from './peer-authentication.js';
import { namespaceAnchor } from './workloads.js';

/**
 * What a merge request did to mTLS, comparing the base revision's tree with the head's: the effective mode
 * of a workload/port that got weaker, a STRICT PeerAuthentication that disappeared, a workload that lost
 * its sidecar. Each regression is located on a node of the HEAD tree (findings must point at a file the
 * merge request shows), so `anchor` is a head resource and `path` a node inside it.
 */
export type MtlsRegressionKind = 'weakerThanBase' | 'strictPolicyRemoved' | 'lostSidecar';

export interface MtlsRegression {
  kind: MtlsRegressionKind;
  anchor: Resource;
  path: JsonPath;
  message: string;
  related: ResourceRef[];
}

/**
 * Every regression between two revisions, one per (kind, anchor, path): workloads and ports that share a
 * node are named together in one message, so a namespace policy flipped to PERMISSIVE is one finding on its
 * mode, not one per workload. Memoised per head and base inventory: the rule asks once per resource.
 */
export function mtlsRegressions(head: Inventory, base: Inventory, mesh: MeshSettings, baseRef?: string): MtlsRegression[] {
  // The base inventory is the settings key: a run has one base, so one computation serves every resource.
  return memoize(head, base, `istio/mtls-regressions/${mesh.rootNamespace}/${baseRef ?? ''}`, () => compare(head, base, mesh, baseRef));
}

const identity = (r: ResourceRef): string => `${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}`;

interface WorkloadSide {
  resource: Resource;
  whole: WorkloadMtls;
  ports: Map<number, WorkloadMtls>;
}

function sides(inventory: Inventory, mesh: MeshSettings): Map<string, WorkloadSide> {
  const out = new Map<string, WorkloadSide>();
  for (const entry of mtlsSnapshot(inventory, mesh)) {
    const key = identity(entry.workload);
    let side = out.get(key);
    if (!side) {
      const resource = inventory.get(entry.workload.kind, entry.workload.namespace, entry.workload.name);
      if (!resource) continue;
      // The snapshot lists the whole-workload entry first, then its ports.
      side = { resource, whole: entry, ports: new Map() };
      out.set(key, side);
    }
    if (entry.port !== undefined) side.ports.set(entry.port, entry);
  }
  return out;
}

/** The entry for a port, or the whole-workload mode that a port without its own entry gets. */
const modeAt = (side: WorkloadSide, port: number | undefined): WorkloadMtls =>
  port === undefined ? side.whole : (side.ports.get(port) ?? side.whole);

const MAX_ITEMS = 10;

/** Collects regressions per (kind, anchor, path) so that each node carries one finding. */
class Collector {
  /** How messages name the base: with the ref the user gave when there is one. */
  constructor(readonly base: string) {}

  private readonly groups = new Map<string, { kind: MtlsRegressionKind; anchor: Resource; path: JsonPath; items: string[]; related: Map<string, ResourceRef>; lead: string }>();

  add(kind: MtlsRegressionKind, anchor: Resource, path: JsonPath, lead: string, item: string, related: readonly ResourceRef[]): void {
    const key = `${kind}\u0000${anchor.id}\u0000${JSON.stringify(path)}\u0000${lead}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { kind, anchor, path, items: [], related: new Map(), lead }));
    if (!group.items.includes(item)) group.items.push(item);
    for (const ref of related) group.related.set(identity(ref), ref);
  }

  regressions(): MtlsRegression[] {
    return [...this.groups.values()].map((g) => ({
      kind: g.kind,
      anchor: g.anchor,
      path: g.path,
      // A mesh-wide policy can weaken hundreds of workloads: name enough to act on, count the rest.
      message: `${g.lead}${g.items.slice(0, MAX_ITEMS).join('; ')}${g.items.length > MAX_ITEMS ? `; and ${g.items.length - MAX_ITEMS} more` : ''}`,
      related: [...g.related.values()],
    }));
  }
}

function compare(head: Inventory, base: Inventory, mesh: MeshSettings, baseRef: string | undefined): MtlsRegression[] {
  const headSides = sides(head, mesh);
  const baseSides = sides(base, mesh);
  const baseSet = resolvePeerAuthentications(base, mesh.rootNamespace, mesh.mtls);
  const headSet = resolvePeerAuthentications(head, mesh.rootNamespace, mesh.mtls);
  const removed = removedStrictPolicies(baseSet.all, baseSet.ignored.map((i) => i.policy), headSet.all, head);
  const removedIds = new Set(removed.map((p) => identity(refOf(p.resource))));
  const out = new Collector(baseRef ? `the merge request's base (${baseRef})` : "the merge request's base revision");

  // The policy's own downgrade comes first in its finding: it holds whatever the workloads are.
  policiesWeakened(out, baseSet, headSet);

  // Workloads present in both revisions (same kind, namespace and name).
  const protectedBy = new Map<string, WorkloadSide[]>();
  for (const [key, now] of headSides) {
    const before = baseSides.get(key);
    if (!before) continue;
    for (const entry of [before.whole, ...before.ports.values()]) {
      if (!entry.policy || !removedIds.has(identity(entry.policy))) continue;
      const list = protectedBy.get(identity(entry.policy)) ?? [];
      if (!list.includes(now)) list.push(now);
      protectedBy.set(identity(entry.policy), list);
    }
    if (before.whole.injected && !now.whole.injected) {
      lostSidecar(out, head, base, mesh, now.resource, before.resource);
      continue;
    }
    // Without a sidecar at base no PeerAuthentication was enforced there: nothing to compare against.
    if (!before.whole.injected) continue;
    const ports = [...new Set([...before.ports.keys(), ...now.ports.keys()])].sort((a, b) => a - b);
    const weakened: Weakened[] = [];
    for (const port of [undefined, ...ports]) {
      const was = modeAt(before, port);
      const is = modeAt(now, port);
      if (!isWeaker(is.mode, was.mode)) continue;
      // A weakening caused by a removed STRICT policy is reported once, as that removal (it names the workload).
      if (was.policy && removedIds.has(identity(was.policy))) continue;
      weakened.push({ port, was, is });
    }
    weakerThanBase(out, head, now, weakened);
  }

  for (const policy of removed) {
    strictPolicyRemoved(out, head, headSides, mesh, policy, protectedBy.get(identity(refOf(policy.resource))) ?? []);
  }
  return out.regressions();
}

/**
 * A mesh-wide or namespace-wide policy that now sets a weaker mode than its scope had at base is a downgrade of
 * the policy itself, whatever workloads the tree holds today (none, or only ones that lost their sidecar in the
 * same change): what the namespace promises to the next workload deployed there got weaker.
 */
function policiesWeakened(out: Collector, baseSet: PeerAuthenticationSet, headSet: PeerAuthenticationSet): void {
  const ignored = new Set(headSet.ignored.map((i) => i.policy));
  for (const policy of headSet.all) {
    if (policy.scope === 'workload' || ignored.has(policy)) continue;
    const was = policy.scope === 'mesh' ? meshMtls(baseSet) : namespaceMtls(baseSet, policy.namespace);
    const is = policy.scope === 'mesh' ? meshMtls(headSet) : namespaceMtls(headSet, policy.namespace);
    if (is.policy !== policy || !is.path || !isWeaker(is.mode, was.mode)) continue;
    const scope = policy.scope === 'mesh' ? 'the mesh' : `namespace ${policy.namespace}`;
    const before = was.policy ? `${was.mode} (${was.scope}-wide ${describeRef(refOf(was.policy.resource))})` : `${was.mode} (the mesh's top level)`;
    out.add('weakerThanBase', policy.resource, is.path, `mtls.mode ${is.mode} here makes mTLS weaker than at ${out.base}: `, `${scope} was ${before} at the base revision`, was.policy ? [refOf(was.policy.resource)] : []);
  }
}

function describeEntry(entry: WorkloadMtls): string {
  if (!entry.policy) return `${entry.mode} (Istio's default, no policy)`;
  const level = entry.scope === 'port' ? `port-level in ${describeRef(entry.policy)}` : `${entry.scope}-wide ${describeRef(entry.policy)}`;
  return `${entry.mode} (${level.replace('workload-wide', 'workload policy')})`;
}

interface Weakened {
  port: number | undefined;
  was: WorkloadMtls;
  is: WorkloadMtls;
}

/**
 * One item per workload, head node and former mode: "Deployment payments/ledger and its ports 5701, 8080 was
 * STRICT (...)" rather than a line per port, reported on the node that decides the weaker mode at head.
 */
function weakerThanBase(out: Collector, head: Inventory, now: WorkloadSide, weakened: readonly Weakened[]): void {
  const groups = new Map<string, Weakened[]>();
  for (const w of weakened) {
    const key = `${w.is.policy ? identity(w.is.policy) : ''}\u0000${JSON.stringify(w.is.path ?? null)}\u0000${w.is.mode}\u0000${describeEntry(w.was)}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  for (const group of groups.values()) {
    const { was, is } = group[0]!;
    const ports = group.flatMap((w) => (w.port !== undefined ? [w.port] : []));
    const whole = group.some((w) => w.port === undefined);
    const portText = ports.length === 0 ? '' : `${whole ? ' and its' : ''} port${ports.length === 1 ? '' : 's'} ${ports.join(', ')}`;
    const item = `${now.resource.kind} ${now.resource.namespace ?? ''}/${now.resource.name}${portText} was ${describeEntry(was)} at the base revision`;
    const related = was.policy ? [was.policy] : [];
    const policy = is.policy ? head.get(is.policy.kind, is.policy.namespace, is.policy.name) : undefined;
    if (policy && is.path) {
      out.add('weakerThanBase', policy, is.path, `mtls.mode ${is.mode} here makes mTLS weaker than at ${out.base}: `, item, related);
    } else {
      // No policy decides any more: Istio's PERMISSIVE default applies, so the workload itself carries it.
      out.add('weakerThanBase', now.resource, ['metadata', 'name'], `no PeerAuthentication decides this workload's mTLS any more, so Istio's default PERMISSIVE applies: weaker than at ${out.base}: `, item, related);
    }
  }
}

/**
 * STRICT policies (mode or a port entry) of the base that Istio honoured and that the head no longer has,
 * unless the head has a policy of the same namespace, scope and selector that is STRICT wherever the removed
 * one was (a rename or a move between files is no regression).
 */
function removedStrictPolicies(
  basePolicies: readonly PeerAuthenticationPolicy[],
  baseIgnored: readonly PeerAuthenticationPolicy[],
  headPolicies: readonly PeerAuthenticationPolicy[],
  head: Inventory,
): PeerAuthenticationPolicy[] {
  return basePolicies.filter((policy) => {
    if (baseIgnored.includes(policy)) return false;
    const strictPorts = policy.ports.filter((p) => p.mode === 'STRICT').map((p) => p.port);
    if (policy.mode !== 'STRICT' && strictPorts.length === 0) return false;
    if (head.get(policy.resource.kind, policy.resource.namespace, policy.resource.name)) return false;
    const replaced = headPolicies.some(
      (h) =>
        h.namespace === policy.namespace &&
        h.scope === policy.scope &&
        (h.selector === undefined || policy.selector === undefined ? h.selector === policy.selector : sameSelector(h.selector, policy.selector)) &&
        (policy.mode !== 'STRICT' || h.mode === 'STRICT') &&
        strictPorts.every((port) => h.ports.find((p) => p.port === port)?.mode === 'STRICT' || (h.mode === 'STRICT' && !h.ports.some((p) => p.port === port))),
    );
    return !replaced;
  });
}

function baseLocation(resource: Resource): string {
  const { line } = resource.source.locate(['metadata', 'name']);
  return `${resource.source.file}:${line}`;
}

/**
 * Where a removal is reported at head: on the workloads it decided at base that still exist (their pod labels,
 * which the removed selector matched), else on what stands for the namespace it covered (its Namespace object,
 * else its first injected workload; the root namespace for a mesh-wide policy), else on the first workload of
 * the tree it decided. When none of that exists at head there is nothing left that it protected.
 */
function strictPolicyRemoved(
  out: Collector,
  head: Inventory,
  headSides: ReadonlyMap<string, WorkloadSide>,
  mesh: MeshSettings,
  policy: PeerAuthenticationPolicy,
  protectedWorkloads: readonly WorkloadSide[],
): void {
  const name = describeRef(refOf(policy.resource));
  const scope = policy.scope === 'mesh' ? 'mesh-wide' : policy.scope === 'namespace' ? 'namespace-wide' : 'workload';
  const lead = `STRICT ${scope} ${name} (${baseLocation(policy.resource)} at ${out.base}) was removed: `;
  const now = (side: WorkloadSide): string => {
    const modes = [side.whole, ...side.ports.values()].map((e) => e.mode);
    const weakest = modes.reduce((a, b) => (isWeaker(b, a) ? b : a));
    return `${side.resource.kind} ${side.resource.namespace ?? ''}/${side.resource.name} is now ${side.whole.injected ? `${describeEntry(side.whole)}${weakest !== side.whole.mode ? `, ${weakest} on some ports` : ''}` : 'without a sidecar'}`;
  };
  const related = [refOf(policy.resource)];
  if (policy.scope === 'workload' && protectedWorkloads.length > 0) {
    for (const side of protectedWorkloads) {
      const template = podTemplateOf(side.resource);
      out.add('strictPolicyRemoved', side.resource, template ? [...template.path, 'metadata', 'labels'] : ['metadata', 'name'], lead, now(side), related);
    }
    return;
  }
  const namespace = policy.scope === 'mesh' ? mesh.rootNamespace : policy.namespace;
  const anchor = namespaceAnchor(head, mesh, namespace) ?? protectedWorkloads[0]?.resource ?? [...headSides.values()][0]?.resource;
  if (!anchor) return;
  // One item per protected workload, so that a mesh-wide removal names ten and counts the rest.
  const affected = protectedWorkloads.length > 0 ? protectedWorkloads.map(now) : ['no workload of the tree relied on it'];
  for (const item of affected) out.add('strictPolicyRemoved', anchor, ['metadata', 'name'], lead, item, related);
}

const NAMESPACE_REASONS: ReadonlySet<InjectionDecision['reason']> = new Set(['namespaceLabel', 'namespaceRevision', 'ambientNamespace', 'meshDefault']);

/**
 * A workload injected at base and not at head, reported on the switch that now turns its sidecar off: the
 * pod's own `sidecar.istio.io/inject` or `hostNetwork`; the Namespace's labels when the namespace stopped
 * injecting (one finding for all its workloads); else the workload's pod labels (e.g. an opt-in label removed).
 */
function lostSidecar(out: Collector, head: Inventory, base: Inventory, mesh: MeshSettings, resource: Resource, baseResource: Resource): void {
  const now = injectionOf(resource, head, mesh);
  const was = injectionOf(baseResource, base, mesh);
  if (!now || !was) return;
  const what = `${resource.kind} ${resource.namespace ?? ''}/${resource.name}`;
  const lead = `no sidecar any more where ${out.base} injected one (no mTLS, authorization or egress control for these pods): `;
  if (now.path) {
    out.add('lostSidecar', resource, now.path, lead, what, []);
    return;
  }
  const namespace = head.namespace(resource.namespace ?? '');
  const namespaceDecided = NAMESPACE_REASONS.has(now.reason) || (now.reason === 'noSwitch' && NAMESPACE_REASONS.has(was.reason));
  if (namespace && namespaceDecided) {
    const labels = namespace.labels;
    const path =
      now.reason === 'ambientNamespace'
        ? ['metadata', 'labels', 'istio.io/dataplane-mode']
        : labels['istio-injection'] !== undefined
          ? ['metadata', 'labels', 'istio-injection']
          : ['metadata', 'labels'];
    out.add('lostSidecar', namespace, path, lead, what, [refOf(resource)]);
    return;
  }
  const template = podTemplateOf(resource);
  out.add('lostSidecar', resource, template ? [...template.path, 'metadata', 'labels'] : ['metadata', 'name'], lead, what, []);
}
