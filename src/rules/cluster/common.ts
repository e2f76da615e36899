import jsyaml from 'js-yaml';
import { otherClusters, type ClusterContext, type ClusterView } from '../../model/clusters.js';
import type { JsonPath, Resource } from '../../model/types.js';
import { isRecord } from '../../model/workload.js';

/** `gke-eu-2 (clusters/gke-eu-2/svc.yaml:12)`: a cluster and the exact place of a node in it. */
export function placeIn(cluster: ClusterView, resource: Resource, path: JsonPath): string {
  const range = resource.source.locate(path);
  return `${cluster.name} (${range.file ?? resource.source.file}:${range.line})`;
}

/** The object of the same kind, namespace and name in each other cluster that has one. */
export function counterparts(context: ClusterContext, resource: Resource): { cluster: ClusterView; resource: Resource }[] {
  const out: { cluster: ClusterView; resource: Resource }[] = [];
  for (const cluster of otherClusters(context)) {
    const other = cluster.inventory.get(resource.kind, resource.namespace, resource.name);
    // A shared file is the same object everywhere: nothing to compare.
    if (other && other !== resource) out.push({ cluster, resource: other });
  }
  return out;
}

/** Value at a path of a plain object, or undefined. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

/** Key-order independent JSON, to compare specs. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** One setting of a cluster's mesh configuration, with where it is written. */
export interface MeshSetting {
  value: string;
  resource: Resource;
  path: JsonPath;
}

export interface MeshConfigOf {
  trustDomain?: MeshSetting;
  meshId?: MeshSetting;
  network?: MeshSetting;
  /** meshConfig.localityLbSetting, when it enables failover. */
  localityLb?: MeshSetting;
}

/**
 * A cluster's mesh configuration, as its installation declares it: an IstioOperator (`spec.meshConfig`,
 * `spec.values.global`) or the `istio` ConfigMap's `mesh` key in the root namespace (meshConfig as YAML text:
 * positions point at the key).
 */
export function meshConfigOf(cluster: ClusterView, rootNamespace: string): MeshConfigOf {
  const out: MeshConfigOf = {};
  for (const resource of cluster.inventory.ofKind('IstioOperator')) {
    const spec = resource.object.spec;
    const set = (key: keyof MeshConfigOf, path: JsonPath): void => {
      const value = valueAt(spec, path);
      if (key === 'localityLb') {
        if (isRecord(value) && value.enabled !== false && (value.failover !== undefined || value.failoverPriority !== undefined)) out[key] ??= { value: 'enabled', resource, path: ['spec', ...path] };
      } else if (typeof value === 'string' && value !== '') out[key] ??= { value, resource, path: ['spec', ...path] };
    };
    set('trustDomain', ['meshConfig', 'trustDomain']);
    set('meshId', ['values', 'global', 'meshID']);
    set('meshId', ['meshConfig', 'defaultConfig', 'meshId']);
    set('network', ['values', 'global', 'network']);
    set('localityLb', ['meshConfig', 'localityLbSetting']);
  }
  const configMap = cluster.inventory.get('ConfigMap', rootNamespace, 'istio');
  const text = configMap && isRecord(configMap.object.data) ? configMap.object.data.mesh : undefined;
  if (configMap && typeof text === 'string') {
    let mesh: unknown;
    try {
      mesh = jsyaml.load(text);
    } catch {
      mesh = undefined;
    }
    const at: JsonPath = ['data', 'mesh'];
    if (isRecord(mesh)) {
      if (typeof mesh.trustDomain === 'string') out.trustDomain ??= { value: mesh.trustDomain, resource: configMap, path: at };
      const meshId = valueAt(mesh, ['defaultConfig', 'meshId']);
      if (typeof meshId === 'string') out.meshId ??= { value: meshId, resource: configMap, path: at };
      const locality = mesh.localityLbSetting;
      if (isRecord(locality) && locality.enabled !== false && (locality.failover !== undefined || locality.failoverPriority !== undefined)) out.localityLb ??= { value: 'enabled', resource: configMap, path: at };
    }
  }
  return out;
}

/** The resource findings about a cluster as a whole are anchored on: its root Namespace, else its first own resource. */
export function clusterAnchor(cluster: ClusterView, rootNamespace: string): Resource | undefined {
  const root = cluster.inventory.get('Namespace', undefined, rootNamespace);
  if (root) return root;
  return cluster.inventory.all.find((r) => r.family === 'kubernetes' && !cluster.isShared(r)) ?? cluster.inventory.all.find((r) => r.family === 'kubernetes');
}
