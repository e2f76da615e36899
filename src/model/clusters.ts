import type { Inventory } from './inventory.js';
import type { Resource } from './types.js';

/** One cluster of a multi-cluster mesh, as the cluster rules see it. */
export interface ClusterView {
  name: string;
  /** Declared Istio network (`clusters[].network`). */
  network?: string;
  /** The cluster's own resources plus the shared ones. */
  inventory: Inventory;
  /** The resource comes from `shared:` (applied to every cluster), not from the cluster's own paths. */
  isShared(resource: Resource): boolean;
}

/** Multi-cluster mode: the cluster being checked, and every cluster of the mesh (it included). */
export interface ClusterContext {
  current: ClusterView;
  all: readonly ClusterView[];
  /** The cluster whose control plane configures the others; undefined: multi-primary. */
  controlPlane?: string;
}

/** The other clusters, in configuration order. */
export function otherClusters(context: ClusterContext): ClusterView[] {
  return context.all.filter((c) => c.name !== context.current.name);
}
