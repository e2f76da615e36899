import type { Inventory } from './inventory.js';

/** Views that depend on the tree alone share this key. */
const NO_SETTINGS = {};

const store = new WeakMap<Inventory, WeakMap<object, Map<string, unknown>>>();

/**
 * Derived views of the tree (workloads, services, policy analyses) are computed once per run: rules
 * ask for them once per resource they check, which would otherwise make cross-resource rules
 * quadratic. Keyed by inventory and settings object, so a new run (or admission request) recomputes.
 */
export function memoize<T>(inventory: Inventory, settings: object, key: string, compute: () => T): T;
export function memoize<T>(inventory: Inventory, key: string, compute: () => T): T;
export function memoize<T>(inventory: Inventory, ...args: [object, string, () => T] | [string, () => T]): T {
  const [settings, key, compute] = args.length === 3 ? args : [NO_SETTINGS, ...args];
  let bySettings = store.get(inventory);
  if (!bySettings) store.set(inventory, (bySettings = new WeakMap()));
  let byKey = bySettings.get(settings);
  if (!byKey) bySettings.set(settings, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T;
  const value = compute();
  byKey.set(key, value);
  return value;
}
