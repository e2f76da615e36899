import micromatch from 'micromatch';
import type { MeshguardConfig } from '../config/types.js';
import { compileGlobs } from '../load/discover.js';
import type { ClusterContext, ClusterView } from '../model/clusters.js';
import { Inventory } from '../model/inventory.js';
import type { Resource } from '../model/types.js';
import type { RenderedScope } from '../render/index.js';
import type { EvaluationScope } from './scopes.js';

export interface ClusterSplit {
  /** One scope per cluster, each with its own inventory and the cluster context. */
  clusters: EvaluationScope[];
  /** Resources in no cluster and not shared: checked on their own, as before. */
  rest: Resource[];
  /** Rendered overlays/charts whose root is in no cluster's paths. */
  overlays: RenderedScope[];
}

/**
 * Split the tree into clusters (`clusters:` in the configuration): a cluster holds the files its paths
 * select, the rendered roots below them, and every `shared:` file. Without clusters nothing changes.
 */
export function splitClusters(config: Pick<MeshguardConfig, 'clusters' | 'shared' | 'controlPlane'>, plain: readonly Resource[], overlays: readonly RenderedScope[]): ClusterSplit {
  if (config.clusters.length === 0) return { clusters: [], rest: [...plain], overlays: [...overlays] };
  const shared = compileGlobs(config.shared.length > 0 ? config.shared : ['\u0000none']);
  const assigned = new Set<Resource>();
  const usedOverlays = new Set<RenderedScope>();
  const views: ClusterView[] = [];
  for (const cluster of config.clusters) {
    const inCluster = pathMatcher(cluster.paths);
    const own = plain.filter((r) => inCluster(r.source.file));
    const rendered = overlays.filter((o) => inCluster(o.name) || inCluster(`${o.name}/kustomization.yaml`));
    const sharedResources = plain.filter((r) => shared(r.source.file));
    for (const r of [...own, ...sharedResources]) assigned.add(r);
    for (const o of rendered) usedOverlays.add(o);
    const ownSet = new Set<Resource>([...own, ...rendered.flatMap((o) => o.resources)]);
    const resources = [...ownSet, ...sharedResources.filter((r) => !ownSet.has(r))];
    views.push({
      name: cluster.name,
      ...(cluster.network ? { network: cluster.network } : {}),
      inventory: new Inventory(resources),
      isShared: (resource) => !ownSet.has(resource),
    });
  }
  const clusters = views.map((view): EvaluationScope => {
    const context: ClusterContext = { current: view, all: views, ...(config.controlPlane ? { controlPlane: config.controlPlane } : {}) };
    return { name: view.name, kind: 'cluster', resources: view.inventory.all, inventory: view.inventory, cluster: context };
  });
  return { clusters, rest: plain.filter((r) => !assigned.has(r)), overlays: overlays.filter((o) => !usedOverlays.has(o)) };
}

/** Globs, or plain directory paths (a Kustomize root): a directory selects everything below it. */
function pathMatcher(paths: readonly string[]): (file: string) => boolean {
  const globs = compileGlobs(paths.filter((p) => micromatch.scan(p).isGlob));
  const directories = paths.filter((p) => !micromatch.scan(p).isGlob).map((p) => p.replace(/\/$/, '').replace(/^\.\//, ''));
  return (file) => globs(file) || directories.some((d) => file === d || file.startsWith(`${d}/`));
}
