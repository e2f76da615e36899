import type { MeshSettings } from '../config/types.js';
import { isClusterScoped } from '../load/resources.js';
import type { Inventory } from '../model/inventory.js';

/**
 * `data.inventory` as Gatekeeper's sync fills it: cluster-scoped objects under
 * `cluster[<apiVersion>][<kind>][<name>]`, namespaced ones under
 * `namespace[<namespace>][<apiVersion>][<kind>][<name>]` (apiVersion as written, e.g. `apps/v1`).
 */
export function inventoryData(inventory: Inventory, kinds?: ReadonlySet<string>): { cluster: Record<string, unknown>; namespace: Record<string, unknown> } {
  const cluster: Record<string, Record<string, Record<string, unknown>>> = {};
  const namespace: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  // One object per identity, the same document every TypeScript rule reads (Inventory.isDefinition): a later copy
  // must not overwrite it here, or a Rego policy would resolve a twice-written Namespace the other way.
  const resources = kinds ? [...kinds].flatMap((kind) => inventory.ofKind(kind)) : inventory.all.filter((r) => inventory.isDefinition(r));
  for (const resource of resources) {
    if (resource.family !== 'kubernetes') continue;
    if (isClusterScoped(resource.kind) || resource.namespace === undefined) {
      ((cluster[resource.apiVersion] ??= {})[resource.kind] ??= {})[resource.name] = resource.object;
    } else {
      (((namespace[resource.namespace] ??= {})[resource.apiVersion] ??= {})[resource.kind] ??= {})[resource.name] = resource.object;
    }
  }
  return { cluster, namespace };
}

/** Everything a policy sees under `data`: built once per inventory (per run), shared by every policy module. */
export interface PolicyData {
  inventory: ReturnType<typeof inventoryData>;
  /** `options`: each rule's options from `.meshguard.yaml`, by rule id (rules given none are absent). */
  meshguard: { config: { mesh: MeshSettings }; options: Record<string, unknown> };
}

const cache = new WeakMap<Inventory, WeakMap<MeshSettings, Map<string, ArrayBuffer>>>();

/**
 * The data document as JSON bytes: opa-wasm's setData takes pre-serialised JSON, so every policy
 * module of a run shares one serialisation instead of stringifying the tree once per module.
 */
const baseIds = new WeakMap<object, number>();
let nextBaseId = 1;

/**
 * @param base data a policy brings along (an OPA bundle's data.json files); `inventory` and
 *   `meshguard` at its top are meshguard's and replaced.
 */
export function policyDataBytes(inventory: Inventory, mesh: MeshSettings, kinds?: ReadonlySet<string>, options: Record<string, unknown> = {}, base?: Record<string, unknown>): ArrayBuffer {
  let byMesh = cache.get(inventory);
  if (!byMesh) cache.set(inventory, (byMesh = new WeakMap()));
  let byKinds = byMesh.get(mesh);
  if (!byKinds) byMesh.set(mesh, (byKinds = new Map()));
  let baseId = base ? baseIds.get(base) : 0;
  if (base && baseId === undefined) baseIds.set(base, (baseId = nextBaseId++));
  const key = `${kinds ? [...kinds].sort().join(',') : '*'}\u0000${JSON.stringify(options)}\u0000${baseId}`;
  let bytes = byKinds.get(key);
  if (bytes === undefined) {
    const data: PolicyData = { ...base, inventory: inventoryData(inventory, kinds), meshguard: { config: { mesh }, options } };
    bytes = jsonBytes(data);
    byKinds.set(key, bytes);
  }
  return bytes;
}

const inputs = new WeakMap<object, ArrayBuffer>();

/** A resource as `input`, serialised once however many policies and entrypoints look at it. */
export function inputBytes(value: object): ArrayBuffer {
  let bytes = inputs.get(value);
  if (bytes === undefined) {
    bytes = jsonBytes(value);
    inputs.set(value, bytes);
  }
  return bytes;
}

const encoder = new TextEncoder();
export function jsonBytes(value: unknown): ArrayBuffer {
  const u8 = encoder.encode(JSON.stringify(value));
  // encode() normally returns a view of a buffer of its own: hand that over without copying.
  if (u8.byteOffset === 0 && u8.buffer.byteLength === u8.byteLength) return u8.buffer as ArrayBuffer;
  return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;
}
