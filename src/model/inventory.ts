import type { Resource } from './types.js';

/**
 * A read-only index of every loaded Kubernetes resource, built once per run so that
 * cross-resource rules do not rescan the tree.
 */
export class Inventory {
  private readonly byKind = new Map<string, Resource[]>();
  private readonly byKindNamespace = new Map<string, Resource[]>();
  private readonly byIdentity = new Map<string, Resource>();
  private allResources: readonly Resource[];

  constructor(
    resources: readonly Resource[],
    /** Admission mode: one object laid over a snapshot, sharing the snapshot's indexes. */
    private readonly overlay?: { base: Inventory; resource: Resource },
  ) {
    this.allResources = resources;
    for (const resource of resources) {
      if (resource.family !== 'kubernetes') continue;
      push(this.byKind, resource.kind, resource);
      push(this.byKindNamespace, `${resource.kind}\u0000${resource.namespace ?? ''}`, resource);
      const identity = identityOf(resource);
      if (!this.byIdentity.has(identity)) this.byIdentity.set(identity, resource);
    }
  }

  /**
   * The snapshot as it would be with `resource` created or updated: O(resources of that kind) per call
   * instead of re-indexing the whole snapshot for every admission request.
   */
  static withResource(base: Inventory, resource: Resource): Inventory {
    return new Inventory([], { base, resource });
  }

  /**
   * The snapshot an admission overlay sits on (itself otherwise): what stays the same across the
   * webhook's requests, so per-run work keyed on it (Rego `data`) is not redone per request.
   */
  get snapshot(): Inventory {
    return this.overlay ? this.overlay.base.snapshot : this;
  }

  get all(): readonly Resource[] {
    if (this.overlay && this.allResources.length === 0) {
      const { base, resource } = this.overlay;
      const identity = identityOf(resource);
      this.allResources = [...base.all.filter((r) => r.family !== 'kubernetes' || identityOf(r) !== identity), resource];
    }
    return this.allResources;
  }

  /** Every resource of a kind, optionally restricted to one namespace. */
  ofKind(kind: string, namespace?: string): readonly Resource[] {
    if (this.overlay) {
      const { base, resource } = this.overlay;
      const list = base.ofKind(kind, namespace);
      if (resource.kind !== kind || (namespace !== undefined && resource.namespace !== namespace)) return list;
      const identity = identityOf(resource);
      return [...list.filter((r) => identityOf(r) !== identity), resource];
    }
    if (namespace === undefined) return this.byKind.get(kind) ?? [];
    return this.byKindNamespace.get(`${kind}\u0000${namespace}`) ?? [];
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    const identity = identityKey(kind, namespace, name);
    if (this.overlay) {
      const { base, resource } = this.overlay;
      return identityOf(resource) === identity ? resource : base.get(kind, namespace, name);
    }
    return this.byIdentity.get(identity);
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

function identityOf(resource: Resource): string {
  return identityKey(resource.kind, resource.namespace, resource.name);
}

function identityKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
