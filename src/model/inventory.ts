import type { Resource } from './types.js';

/**
 * A read-only index of every loaded Kubernetes resource, built once per run so that
 * cross-resource rules do not rescan the tree.
 */
export class Inventory {
  readonly all: readonly Resource[];
  private readonly byKind = new Map<string, Resource[]>();
  private readonly byKindNamespace = new Map<string, Resource[]>();
  private readonly byIdentity = new Map<string, Resource>();

  constructor(resources: readonly Resource[]) {
    this.all = resources;
    for (const resource of resources) {
      if (resource.family !== 'kubernetes') continue;
      push(this.byKind, resource.kind, resource);
      push(this.byKindNamespace, `${resource.kind}\u0000${resource.namespace ?? ''}`, resource);
      const identity = identityKey(resource.kind, resource.namespace, resource.name);
      if (!this.byIdentity.has(identity)) this.byIdentity.set(identity, resource);
    }
  }

  /** Every resource of a kind, optionally restricted to one namespace. */
  ofKind(kind: string, namespace?: string): readonly Resource[] {
    if (namespace === undefined) return this.byKind.get(kind) ?? [];
    return this.byKindNamespace.get(`${kind}\u0000${namespace}`) ?? [];
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.byIdentity.get(identityKey(kind, namespace, name));
  }

  /** The Namespace object of that name, if the tree declares it. */
  namespace(name: string): Resource | undefined {
    return this.get('Namespace', undefined, name);
  }

  /** Namespaces that hold at least one resource or are declared as Namespace objects. */
  namespaces(): string[] {
    const names = new Set<string>();
    for (const r of this.all) {
      if (r.family !== 'kubernetes') continue;
      if (r.namespace !== undefined) names.add(r.namespace);
      if (r.kind === 'Namespace') names.add(r.name);
    }
    return [...names].sort();
  }
}

function identityKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
