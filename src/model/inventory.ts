import type { Resource } from './types.js';

/**
 * While a memoised view is computed, the kinds it reads are recorded here (see memo.ts): a view that
 * never read a kind cannot change when an object of that kind is added, which is what lets an
 * admission request reuse the snapshot's views. Entries are a kind (all namespaces), `Kind@namespace`
 * (one namespace; `Kind@` for cluster-scoped kinds), `Kind@namespace/name` (one object looked up), or `*`
 * ("read everything"). The rule-result cache (engine/result-cache.ts) keys its dependencies by them too.
 */
let readKinds: Set<string> | undefined;

export function trackKindsRead<T>(compute: () => T): { value: T; kinds: Set<string> } {
  const outer = readKinds;
  const kinds = new Set<string>();
  readKinds = kinds;
  try {
    return { value: compute(), kinds };
  } finally {
    readKinds = outer;
    if (outer) for (const kind of kinds) outer.add(kind);
  }
}

/** What a view read when it asked for one kind in one namespace (or, with '', one cluster-scoped kind). */
export function scopedKind(kind: string, namespace: string): string {
  return `${kind}@${namespace}`;
}

/** What a view read when it looked one object up by kind, namespace ('' when cluster-scoped) and name. */
export function identityRead(kind: string, namespace: string, name: string): string {
  return `${kind}@${namespace}/${name}`;
}

/** Could adding or replacing `resource` change a view that read `kinds`? */
export function isAffectedBy(kinds: ReadonlySet<string>, resource: Resource): boolean {
  const namespace = resource.namespace ?? '';
  return kinds.has('*') || kinds.has(resource.kind) || kinds.has(scopedKind(resource.kind, namespace)) || kinds.has(identityRead(resource.kind, namespace, resource.name));
}

/** A view reused from a cache still depends on what it read: report that to an enclosing computation. */
export function noteKindsRead(kinds: Iterable<string>): void {
  if (readKinds) for (const kind of kinds) readKinds.add(kind);
}

/**
 * A read-only index of every loaded Kubernetes resource, built once per run so that
 * cross-resource rules do not rescan the tree.
 */
export class Inventory {
  private readonly byKind = new Map<string, Resource[]>();
  /** Overlays only: the snapshot's list of a kind (in a namespace, or `*`) with the admitted object in it. */
  private readonly byKindNamespace = new Map<string, Resource[]>();
  /** kind -> namespace ('' when cluster-scoped) -> resources: looked up without a key string per call. */
  private readonly byKindThenNamespace = new Map<string, Map<string, Resource[]>>();
  private readonly byIdentity = new Map<string, Resource>();
  /** Every document of an object written more than once (same API group, kind, namespace and name), in load order. */
  private readonly copies = new Map<string, Resource[]>();
  private allResources: readonly Resource[];

  constructor(
    resources: readonly Resource[],
    /** Admission mode: one object laid over a snapshot, sharing the snapshot's indexes. */
    readonly overlay?: { readonly base: Inventory; readonly resource: Resource },
  ) {
    this.allResources = resources;
    const definitions = new Map<string, Resource>();
    // Resources come in load order (files in path order, then documents): the first of an object defines it.
    for (const resource of resources) {
      if (resource.family !== 'kubernetes') continue;
      const object = objectIdentityOf(resource);
      const definition = definitions.get(object);
      if (definition) {
        // The same API object written again (alternative files, a base and its patch, a copy): the first
        // document in load order defines it for every rule, the others are reported as duplicates.
        const list = this.copies.get(object);
        if (list) list.push(resource);
        else this.copies.set(object, [definition, resource]);
        continue;
      }
      definitions.set(object, resource);
      push(this.byKind, resource.kind, resource);
      let byNamespace = this.byKindThenNamespace.get(resource.kind);
      if (!byNamespace) this.byKindThenNamespace.set(resource.kind, (byNamespace = new Map()));
      push(byNamespace, resource.namespace ?? '', resource);
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
    readKinds?.add('*');
    if (this.overlay && this.allResources.length === 0) {
      const { base, resource } = this.overlay;
      const replaced = base.get(resource.kind, resource.namespace, resource.name);
      this.allResources = replaced ? base.all.map((r) => (r === replaced ? resource : r)) : [...base.all, resource];
    }
    return this.allResources;
  }

  /**
   * Whether this document is the one that defines its object: the first of its copies in load order, or
   * the only one. `ofKind`, `get` and every view built on them see definitions only, so that all rules
   * resolve a twice-written object the same way.
   */
  isDefinition(resource: Resource): boolean {
    if (resource.family !== 'kubernetes') return true;
    const list = this.copiesOf(resource);
    if (list.length > 0) return list[0] === resource;
    return !this.overlay || resource === this.overlay.resource || objectIdentityOf(resource) !== objectIdentityOf(this.overlay.resource);
  }

  /** Every document of the resource's object when it is written more than once (definition first), else []. */
  copiesOf(resource: Resource): readonly Resource[] {
    // Copies share kind, namespace and name. Read as the kind in that namespace, not as the one identity: every
    // resource asks for its own copies (duplicate-resource), and per-identity reads would give each resource's
    // results a read set of its own, which the result cache then stores and judges once per resource.
    readKinds?.add(scopedKind(resource.kind, resource.namespace ?? ''));
    // Nearly every tree writes each object once: no identity string to build then.
    if (!this.overlay) return this.copies.size === 0 ? NO_COPIES : (this.copies.get(objectIdentityOf(resource)) ?? NO_COPIES);
    const { base, resource: admitted } = this.overlay;
    if (objectIdentityOf(resource) !== objectIdentityOf(admitted)) return base.copiesOf(resource);
    // The admitted object takes the place of the snapshot's definition, as in a tree where it replaced it.
    const copies = base.copiesOf(admitted);
    if (copies.length === 0) return [];
    return copies.map((r) => (r === copies[0] ? admitted : r));
  }

  /** Every resource of a kind, optionally restricted to one namespace (definitions only, see isDefinition). */
  ofKind(kind: string, namespace?: string): readonly Resource[] {
    readKinds?.add(namespace === undefined ? kind : scopedKind(kind, namespace));
    if (this.overlay) {
      const { base, resource } = this.overlay;
      const list = base.ofKind(kind, namespace);
      if (resource.kind !== kind || (namespace !== undefined && resource.namespace !== namespace)) return list;
      const key = `${kind}\u0000${namespace ?? '*'}`;
      let merged = this.byKindNamespace.get(key);
      if (!merged) {
        // The object takes the place of the snapshot's object of the same identity (an UPDATE), or comes last.
        const replaced = base.get(resource.kind, resource.namespace, resource.name);
        merged = replaced && list.includes(replaced) ? list.map((r) => (r === replaced ? resource : r)) : [...list, resource];
        this.byKindNamespace.set(key, merged);
      }
      return merged;
    }
    if (namespace === undefined) return this.byKind.get(kind) ?? [];
    return this.byKindThenNamespace.get(kind)?.get(namespace) ?? [];
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    // One object: a Namespace label edited elsewhere changes nothing for a view that looked up this one.
    readKinds?.add(identityRead(kind, namespace ?? '', name));
    return this.byIdentityKey(identityKey(kind, namespace, name));
  }

  /** The admitted object's identity, computed once: views ask for objects by identity many times per request. */
  private overlayIdentity?: string;

  private byIdentityKey(identity: string): Resource | undefined {
    if (this.overlay) {
      const { base, resource } = this.overlay;
      return (this.overlayIdentity ??= identityOf(resource)) === identity ? resource : base.byIdentityKey(identity);
    }
    return this.byIdentity.get(identity);
  }

  /**
   * Namespace lookups by name: injection, quota and policy views ask for a workload's Namespace once per workload,
   * which built an identity string per call. Bounded: a webhook's snapshot meets the namespaces of every request.
   */
  private readonly namespaceObjects = new Map<string, Resource | undefined>();

  /** The Namespace object of that name, if the tree declares it. */
  namespace(name: string): Resource | undefined {
    readKinds?.add(identityRead('Namespace', '', name));
    let found = this.namespaceObjects.get(name);
    if (found === undefined && !this.namespaceObjects.has(name)) {
      if (this.namespaceObjects.size >= 10_000) this.namespaceObjects.clear();
      this.namespaceObjects.set(name, (found = this.byIdentityKey(identityKey('Namespace', undefined, name))));
    }
    return found;
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

/** Load order (files in path order, then documents, then List items), without reading the whole tree. */
export function compareTreeOrder(a: Resource, b: Resource): number {
  if (a.source.file !== b.source.file) return a.source.file < b.source.file ? -1 : 1;
  if (a.source.documentIndex !== b.source.documentIndex) return a.source.documentIndex - b.source.documentIndex;
  return Number(a.source.basePath[1] ?? -1) - Number(b.source.basePath[1] ?? -1);
}

/** One API object: versions of one API group are the same object, other groups (Gateway API's Gateway) are not. */
const NO_COPIES: readonly Resource[] = [];

function objectIdentityOf(resource: Resource): string {
  const slash = resource.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : resource.apiVersion.slice(0, slash);
  return `${group}\u0000${identityOf(resource)}`;
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
