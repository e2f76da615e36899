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
 * only the objects that hold one, so that paths are unchanged and the common case allocates nothing.
 */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const cleaned = withoutNulls(item);
      if (cleaned !== item) (copy ??= [...value])[i] = cleaned;
    });
    return (copy ?? value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === null) {
      copy ??= { ...(value as Record<string, unknown>) };
      delete copy[key];
      continue;
    }
    const cleaned = withoutNulls(item);
    if (cleaned !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned;
  }
  return (copy ?? value) as T;
}
