import type { Inventory } from '../inventory.js';
import type { Resource } from '../types.js';
import { describeErrors, type SchemaProblem } from './errors.js';
import { schemaRegistry, type ResolvedSchema, type SchemaRegistry } from './registry.js';

export interface SchemaCheck {
  schema: ResolvedSchema;
  problems: SchemaProblem[];
}

/**
 * Validate one resource against its schema; undefined when no schema is known for its kind.
 * Problems come back in document order of their paths' first appearance in ajv's output.
 */
export function checkSchema(resource: Resource, inventory: Inventory, registry: SchemaRegistry = schemaRegistry): SchemaCheck | undefined {
  const schema = registry.resolve(resource, inventory);
  if (!schema) return undefined;
  const data = withoutNulls(resource.object);
  if (schema.validate(data)) return { schema, problems: [] };
  return { schema, problems: describeErrors(schema.validate.errors ?? [], data, resource.kind) };
}

/**
 * The API server treats `field: null` as "not set" (and prunes it from custom resources before
 * validation); generated manifests are full of `creationTimestamp: null`. Drop null-valued keys, copying
 * only the objects that hold one, so that paths are unchanged. Every resource goes through this before
 * validation: the walk itself allocates nothing (no `Object.entries` pairs, no callbacks), which was a
 * sizeable share of the run's garbage.
 */
const hasOwn = Object.prototype.hasOwnProperty;

export function withoutNulls<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const cleaned = withoutNulls(item);
      if (cleaned !== item) (copy ??= [...value])[i] = cleaned;
    }
    return (copy ?? value) as T;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  // for-in without an array per object, own keys only (what Object.keys would list); scalars are skipped
  // without a call. Measured on the findings-heavy tree: ~20 instead of 25-44 ms.
  for (const key in record) {
    const item = record[key];
    if (typeof item !== 'object' || !hasOwn.call(record, key)) continue;
    if (item === null) {
      copy ??= { ...record };
      delete copy[key];
      continue;
    }
    const cleaned = withoutNulls(item);
    if (cleaned !== item) (copy ??= { ...record })[key] = cleaned;
  }
  return (copy ?? value) as T;
}
