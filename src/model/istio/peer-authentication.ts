import type { Inventory } from '../inventory.js';
import { memoize } from '../memo.js';
import type { JsonPath, Resource } from '../types.js';
import { getIn, isRecord } from '../workload.js';
import { isIstio, labelSelector, selectorMatches, specOf } from './api.js';

/**
 * PeerAuthentication resolution as istiod applies it (security.istio.io, peer_authentication.proto):
 * mesh-wide = root namespace without selector; namespace-wide = any other namespace without selector;
 * workload = with a selector. The narrowest policy that matches wins, `UNSET` inherits from the next
 * wider scope and is PERMISSIVE at the top. Only one mesh-wide and one namespace-wide policy count (the
 * oldest, the others are ignored); among workload policies matching one workload the oldest wins; a
 * selector policy in the root namespace is ignored. `portLevelMtls` only applies with a selector.
 *
 * Everything here is pure over the resource list so that a baseline comparison can resolve two
 * revisions of a tree and compare the outcomes.
 */

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
export type EffectiveMtlsMode = Exclude<MtlsMode, 'UNSET'>;

const MODES: readonly string[] = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

/** DISABLE < PERMISSIVE < STRICT: how much plaintext a workload accepts, reversed. */
export const MTLS_STRENGTH: Readonly<Record<EffectiveMtlsMode, number>> = { DISABLE: 0, PERMISSIVE: 1, STRICT: 2 };

export type PolicyScope = 'mesh' | 'namespace' | 'workload';

export interface PortMtls {
  port: number;
  mode: MtlsMode;
  /** Path of the entry's `mode` (or of the entry when it has none). */
  path: JsonPath;
}

export interface PeerAuthenticationPolicy {
  resource: Resource;
  namespace: string;
  scope: PolicyScope;
  selector?: Readonly<Record<string, string>>;
  mode: MtlsMode;
  /** Path of `spec.mtls.mode`, or of the deepest existing ancestor when the mode is not written. */
  modePath: JsonPath;
  /** The written mode when it is not one of Istio's four (Istio rejects such a policy). */
  invalidMode?: string;
  ports: PortMtls[];
  /** Position in load order, the tie-breaker when creation timestamps are unknown. */
  order: number;
  creationTimestamp?: string;
}

export type IgnoredReason = 'extraMeshWide' | 'extraNamespaceWide' | 'selectorInRoot';

export interface IgnoredPolicy {
  policy: PeerAuthenticationPolicy;
  reason: IgnoredReason;
  /** The policy that counts instead (for the duplicates). */
  winner?: PeerAuthenticationPolicy;
}

export interface PeerAuthenticationSet {
  rootNamespace: string;
  /**
   * The mode above every policy of the tree: Istio's PERMISSIVE default, or what the mesh is known to run
   * with from outside the tree (meshguard's `mesh.mtls`, e.g. a mesh-wide STRICT applied by the platform).
   */
  topLevel: EffectiveMtlsMode;
  meshWide?: PeerAuthenticationPolicy;
  namespaceWide: ReadonlyMap<string, PeerAuthenticationPolicy>;
  /** Workload policies per namespace, oldest first (the precedence order). */
  workload: ReadonlyMap<string, readonly PeerAuthenticationPolicy[]>;
  ignored: readonly IgnoredPolicy[];
  /** Every policy, in load order. */
  all: readonly PeerAuthenticationPolicy[];
}

export interface EffectiveMtls {
  mode: EffectiveMtlsMode;
  /** The policy whose mode decided; absent when nothing is set and Istio's PERMISSIVE default applies. */
  policy?: PeerAuthenticationPolicy;
  /** Which level decided: a port entry, the workload, namespace or mesh policy, or Istio's default. */
  scope: PolicyScope | 'port' | 'default';
  /** Path of the deciding mode in `policy`. */
  path?: JsonPath;
}

/** The part of a workload PeerAuthentication resolution looks at. */
export interface MtlsSubject {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** The resolution for a whole tree; memoised per inventory because every rule call on the tree needs it. */
export function resolvePeerAuthentications(inventory: Inventory, rootNamespace: string, topLevel: EffectiveMtlsMode = 'PERMISSIVE'): PeerAuthenticationSet {
  return memoize(inventory, `istio/peerAuthentications/${rootNamespace}/${topLevel}`, (tree) => collectPeerAuthentications(tree.ofKind('PeerAuthentication'), rootNamespace, topLevel));
}

/** Build the resolution from PeerAuthentication resources in load order (other kinds are skipped). */
export function collectPeerAuthentications(resources: readonly Resource[], rootNamespace: string, topLevel: EffectiveMtlsMode = 'PERMISSIVE'): PeerAuthenticationSet {
  const all = resources.filter((r) => isIstio(r, 'PeerAuthentication')).map((r, order) => parsePolicy(r, order, rootNamespace));
  const ignored: IgnoredPolicy[] = [];

  const meshCandidates = oldestFirst(all.filter((p) => p.scope === 'mesh'));
  const meshWide = meshCandidates[0];
  for (const extra of meshCandidates.slice(1)) ignored.push({ policy: extra, reason: 'extraMeshWide', winner: meshWide! });

  const namespaceWide = new Map<string, PeerAuthenticationPolicy>();
  const workload = new Map<string, PeerAuthenticationPolicy[]>();
  for (const namespace of [...new Set(all.map((p) => p.namespace))]) {
    const inNamespace = all.filter((p) => p.namespace === namespace);
    const namespaceCandidates = oldestFirst(inNamespace.filter((p) => p.scope === 'namespace'));
    const winner = namespaceCandidates[0];
    if (winner) namespaceWide.set(namespace, winner);
    for (const extra of namespaceCandidates.slice(1)) ignored.push({ policy: extra, reason: 'extraNamespaceWide', winner: winner! });
    const selectors = inNamespace.filter((p) => p.scope === 'workload');
    if (namespace === rootNamespace) {
      // istiod only looks for selector policies in the workload's own namespace; in the root namespace a
      // selector would have to match the mesh's own pods, and Istio documents such policies as ignored.
      for (const policy of selectors) ignored.push({ policy, reason: 'selectorInRoot' });
    } else if (selectors.length > 0) {
      workload.set(namespace, oldestFirst(selectors));
    }
  }
  ignored.sort((a, b) => a.policy.order - b.policy.order);
  return { rootNamespace, topLevel, ...(meshWide ? { meshWide } : {}), namespaceWide, workload, ignored, all };
}

/** The mode a mesh-wide policy sets for everything below it (else the top level: Istio's PERMISSIVE or `mesh.mtls`). */
export function meshMtls(set: PeerAuthenticationSet): EffectiveMtls {
  const policy = set.meshWide;
  if (policy && policy.mode !== 'UNSET') return { mode: policy.mode, policy, scope: 'mesh', path: policy.modePath };
  return { mode: set.topLevel, scope: 'default' };
}

/** What a workload of the namespace inherits when no workload policy selects it. */
export function namespaceMtls(set: PeerAuthenticationSet, namespace: string): EffectiveMtls {
  const policy = set.namespaceWide.get(namespace);
  if (policy && policy.mode !== 'UNSET') return { mode: policy.mode, policy, scope: 'namespace', path: policy.modePath };
  return meshMtls(set);
}

/** The workload policy that applies to a workload, if any: the oldest whose selector matches. */
export function workloadPolicyOf(set: PeerAuthenticationSet, subject: MtlsSubject): PeerAuthenticationPolicy | undefined {
  return set.workload.get(subject.namespace)?.find((p) => p.selector !== undefined && selectorMatches(p.selector, subject.labels));
}

/**
 * The mTLS mode a workload's sidecar enforces for inbound traffic, on one target port or in general:
 * port entry > workload policy > namespace-wide > mesh-wide > PERMISSIVE, with UNSET deferring upward.
 */
export function effectiveMtls(set: PeerAuthenticationSet, subject: MtlsSubject, port?: number): EffectiveMtls {
  const policy = workloadPolicyOf(set, subject);
  if (!policy) return namespaceMtls(set, subject.namespace);
  if (port !== undefined) {
    const entry = policy.ports.find((p) => p.port === port);
    if (entry && entry.mode !== 'UNSET') return { mode: entry.mode, policy, scope: 'port', path: entry.path };
  }
  if (policy.mode !== 'UNSET') return { mode: policy.mode, policy, scope: 'workload', path: policy.modePath };
  return namespaceMtls(set, subject.namespace);
}

export function isWeaker(a: EffectiveMtlsMode, b: EffectiveMtlsMode): boolean {
  return MTLS_STRENGTH[a] < MTLS_STRENGTH[b];
}

function parsePolicy(resource: Resource, order: number, rootNamespace: string): PeerAuthenticationPolicy {
  const spec = specOf(resource);
  const namespace = resource.namespace ?? '';
  const selector = labelSelector(getIn(spec, ['selector', 'matchLabels']));
  const scope: PolicyScope = selector ? 'workload' : namespace === rootNamespace ? 'mesh' : 'namespace';
  const { mode, invalid } = readMode(getIn(spec, ['mtls', 'mode']));
  const modePath = deepestPath(spec, ['spec', 'mtls', 'mode']);
  const ports: PortMtls[] = [];
  const portLevel = spec.portLevelMtls;
  if (isRecord(portLevel)) {
    for (const [key, value] of Object.entries(portLevel)) {
      const port = Number(key);
      if (!Number.isInteger(port)) continue;
      const entryMode = readMode(isRecord(value) ? value.mode : undefined).mode;
      const path = isRecord(value) && value.mode !== undefined ? ['spec', 'portLevelMtls', key, 'mode'] : ['spec', 'portLevelMtls', key];
      ports.push({ port, mode: entryMode, path });
    }
  }
  const timestamp = getIn(resource.object, ['metadata', 'creationTimestamp']);
  return {
    resource,
    namespace,
    scope,
    ...(selector ? { selector } : {}),
    mode,
    modePath,
    ...(invalid !== undefined ? { invalidMode: invalid } : {}),
    ports,
    order,
    ...(typeof timestamp === 'string' ? { creationTimestamp: timestamp } : {}),
  };
}

function readMode(value: unknown): { mode: MtlsMode; invalid?: string } {
  if (value === undefined || value === null) return { mode: 'UNSET' };
  if (typeof value === 'string' && MODES.includes(value)) return { mode: value as MtlsMode };
  return { mode: 'UNSET', invalid: String(value) };
}

/** `['spec','mtls','mode']` trimmed to what exists, so that a finding points at the nearest written node. */
function deepestPath(spec: Record<string, unknown>, path: JsonPath): JsonPath {
  const out: (string | number)[] = ['spec'];
  let current: unknown = spec;
  for (const segment of path.slice(1)) {
    if (!isRecord(current) || current[segment] === undefined) break;
    out.push(segment);
    current = current[segment];
  }
  return out;
}

/**
 * "Istio ignores the newer policies": by `metadata.creationTimestamp` when every candidate carries one
 * (manifests rarely do), else by load order, the closest thing a repository has to apply order.
 */
function oldestFirst(policies: PeerAuthenticationPolicy[]): PeerAuthenticationPolicy[] {
  const byTime = policies.every((p) => p.creationTimestamp !== undefined);
  return [...policies].sort((a, b) => {
    if (byTime) {
      const ta = Date.parse(a.creationTimestamp!);
      const tb = Date.parse(b.creationTimestamp!);
      if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
    }
    return a.order - b.order;
  });
}
