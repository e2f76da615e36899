import type { MeshSettings } from '../mesh-settings.js';
import type { Inventory } from '../inventory.js';
import type { JsonPath, ResourceRef } from '../types.js';
import { refOf } from './api.js';
import { effectiveMtls, resolvePeerAuthentications, workloadPolicyOf, type EffectiveMtls } from './peer-authentication.js';
import { meshWorkloads } from './workloads.js';

/** The inbound mTLS mode of one workload (and one port, when `port` is set) in one revision of the tree. */
export interface WorkloadMtls {
  workload: ResourceRef;
  /** Whether the workload's pods get a sidecar at all (without one, no PeerAuthentication applies). */
  injected: boolean;
  port?: number;
  mode: EffectiveMtls['mode'];
  scope: EffectiveMtls['scope'];
  policy?: ResourceRef;
  /** Path of the deciding mode inside `policy` (where a regression of this entry is reported at head). */
  path?: JsonPath;
}

/**
 * Every workload's effective mTLS in a tree: the workload as a whole, each container port, and each port a
 * matching policy names. Pure, so that a baseline comparison can take a snapshot of the base and the head
 * revision and report what got weaker (STRICT -> PERMISSIVE/DISABLE), which workload lost its sidecar, and
 * which STRICT policy disappeared.
 */
export function mtlsSnapshot(inventory: Inventory, mesh: MeshSettings): WorkloadMtls[] {
  const set = resolvePeerAuthentications(inventory, mesh.rootNamespace, mesh.mtls);
  const out: WorkloadMtls[] = [];
  for (const workload of meshWorkloads(inventory, mesh)) {
    const ref = refOf(workload.resource);
    const policyPorts = workloadPolicyOf(set, workload)?.ports.map((p) => p.port) ?? [];
    const ports = [...new Set([...workload.containerPorts, ...policyPorts])].sort((a, b) => a - b);
    for (const port of [undefined, ...ports]) {
      const effective = effectiveMtls(set, workload, port);
      out.push({
        workload: ref,
        injected: workload.injected,
        ...(port !== undefined ? { port } : {}),
        mode: effective.mode,
        scope: effective.scope,
        ...(effective.policy ? { policy: refOf(effective.policy.resource) } : {}),
        ...(effective.path ? { path: effective.path } : {}),
      });
    }
  }
  return out;
}
