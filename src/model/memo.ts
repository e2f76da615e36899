import { isAffectedBy, noteKindsRead, trackKindsRead, type Inventory } from './inventory.js';
import type { Resource } from './types.js';

/** Views that depend on the tree alone share this key. */
const NO_SETTINGS = {};

interface Entry {
  value: unknown;
  /** Kinds the computation read from the inventory. */
  kinds: ReadonlySet<string>;
}

const store = new WeakMap<Inventory, WeakMap<object, Map<string, Entry>>>();

/**
 * Views a snapshot has gained from admission requests. Their keys can come from the reviewed object (a gateway
 * host it names), so a stream of requests could otherwise grow the snapshot's cache for as long as it serves.
 */
const addedByOverlays = new WeakMap<Inventory, number>();
const MAX_VIEWS_ADDED_BY_OVERLAYS = 10_000;

/**
 * Derived views of the tree (workloads, services, policy analyses) are computed once per run: rules
 * ask for them once per resource they check, which would otherwise make cross-resource rules
 * quadratic. Keyed by inventory and settings object, so a new run recomputes.
 *
 * An admission request lays one object over the cluster snapshot (`Inventory.withResource`). A view
 * that never read that object's kind is the snapshot's view, unchanged: it is reused, so a request costs
 * only the views its object can affect instead of re-deriving the whole tree.
 */
export function memoize<T>(inventory: Inventory, settings: object, key: string, compute: (tree: Inventory) => T): T;
export function memoize<T>(inventory: Inventory, key: string, compute: (tree: Inventory) => T): T;
export function memoize<T>(inventory: Inventory, first: object | string, second: string | ((tree: Inventory) => T), third?: (tree: Inventory) => T): T {
  // Plain parameters rather than a rest array: views are asked for hundreds of thousands of times per run.
  const withSettings = typeof first !== 'string';
  const settings = withSettings ? first : NO_SETTINGS;
  const key = (withSettings ? second : first) as string;
  const compute = (withSettings ? third : second) as (tree: Inventory) => T;
  const overlay = inventory.overlay;
  if (overlay) {
    // `compute` derives from the inventory it is given, so the snapshot's view is computed on the snapshot.
    const base = entry(overlay.base, settings, key, compute as (tree: Inventory) => unknown, true);
    if (!isAffectedBy(base.kinds, overlay.resource)) {
      noteKindsRead(base.kinds);
      return base.value as T;
    }
  }
  return entry(inventory, settings, key, compute as (tree: Inventory) => unknown).value as T;
}

function entry(inventory: Inventory, settings: object, key: string, compute: (tree: Inventory) => unknown, forOverlay = false): Entry {
  let bySettings = store.get(inventory);
  if (!bySettings) store.set(inventory, (bySettings = new WeakMap()));
  let byKey = bySettings.get(settings);
  if (!byKey) bySettings.set(settings, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) {
    noteKindsRead(cached.kinds);
    return cached;
  }
  const { value, kinds } = trackKindsRead(() => compute(inventory));
  const created = { value, kinds };
  if (forOverlay) {
    const added = addedByOverlays.get(inventory) ?? 0;
    // Past the bound the view is still right, only no longer kept.
    if (added >= MAX_VIEWS_ADDED_BY_OVERLAYS) return created;
    addedByOverlays.set(inventory, added + 1);
  }
  byKey.set(key, created);
  return created;
}

/**
 * Cache a derivation that depends on one object alone (a pod template of a resource): resources are
 * shared between a run's views and between admission requests, so each is derived once.
 */
export function perObject<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    // One lookup for the common hit (a derived value); `has` only tells a cached undefined from a miss.
    const cached = cache.get(key);
    if (cached !== undefined || cache.has(key)) return cached as V;
    const value = derive(key);
    cache.set(key, value);
    return value;
  };
}

/**
 * The object an admission overlay lays over its snapshot and the snapshot's definition it takes the place of,
 * for views that are a fold over one kind: such a view can often tell from these two objects alone that the
 * overlay leaves it as it is on the snapshot, instead of refolding every object of the kind per request.
 * Only for an overlay directly on a snapshot, where `Inventory.ofKind` puts the object at the replaced one's
 * position (or last when it replaces none).
 */
export function overlaidObject(inventory: Inventory): { base: Inventory; resource: Resource; replaced: Resource | undefined } | undefined {
  const overlay = inventory.overlay;
  if (!overlay || overlay.base.overlay) return undefined;
  const { base, resource } = overlay;
  return { base, resource, replaced: base.get(resource.kind, resource.namespace, resource.name) };
}

/**
 * A view that lists the objects of one kind passing a test, edited on the snapshot's list for the overlaid object:
 * it takes the replaced object's place, leaves, or goes last. Undefined where its place is not known that cheaply
 * (it replaces an object the list left out): the view is then recomputed.
 */
export function editedList(list: Resource[], change: NonNullable<ReturnType<typeof overlaidObject>>, admitted: boolean): Resource[] | undefined {
  const { resource, replaced } = change;
  if (replaced && list.includes(replaced)) return admitted ? list.map((r) => (r === replaced ? resource : r)) : list.filter((r) => r !== replaced);
  if (!admitted) return list;
  return replaced ? undefined : [...list, resource];
}
