import type { Inventory } from '../inventory.js';
import type { Resource } from '../types.js';

/** One served version of a CustomResourceDefinition found in the checked files. */
export interface CrdVersion {
  /** `group/version/kind`, the lookup key for custom resources. */
  key: string;
  crd: Resource;
  /** Index in `spec.versions`, for pointing back at the CRD. */
  versionIndex: number;
  /** The converted, ajv-ready schema; undefined when the version declares none. */
  schema?: Record<string, unknown>;
  deprecated: boolean;
  deprecationWarning?: string;
}

/**
 * Every served version of every apiextensions.k8s.io/v1 CRD in the tree, by `group/version/kind`. The first
 * CRD wins on duplicates, as the API server would refuse the second one's name anyway.
 */
export function crdVersions(inventory: Inventory): Map<string, CrdVersion> {
  const versions = new Map<string, CrdVersion>();
  for (const crd of inventory.ofKind('CustomResourceDefinition')) {
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1') continue; // v1beta1 schemas need not be structural
    const spec = asObject(crd.object.spec);
    const group = spec?.group;
    const kind = asObject(spec?.names)?.kind;
    if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(spec?.versions)) continue;
    spec.versions.forEach((entry, versionIndex) => {
      const version = asObject(entry);
      if (!version || typeof version.name !== 'string' || version.served === false) return;
      const key = `${group}/${version.name}/${kind}`;
      if (versions.has(key)) return;
      const raw = asObject(asObject(version.schema)?.openAPIV3Schema);
      versions.set(key, {
        key,
        crd,
        versionIndex,
        ...(raw ? { schema: toAjvSchema(raw, true) } : {}),
        deprecated: version.deprecated === true,
        ...(typeof version.deprecationWarning === 'string' ? { deprecationWarning: version.deprecationWarning } : {}),
      });
    });
  }
  return versions;
}

/** Keywords of a structural schema that mean the same thing to ajv (draft-07) as to the API server. */
const PLAIN_KEYWORDS = [
  'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'multipleOf', 'required',
] as const;

/**
 * Convert an OpenAPI v3 structural schema to what ajv should check, keeping the API server's semantics:
 * - objects with `properties` reject other fields (the server prunes them: the user's value is lost),
 *   unless `x-kubernetes-preserve-unknown-fields` keeps them;
 * - `x-kubernetes-int-or-string` accepts an integer or a string, whatever `type` says;
 * - `x-kubernetes-embedded-resource` objects may carry apiVersion, kind and metadata;
 * - `nullable` needs nothing: nulls are stripped before validation (the server drops them too);
 * - `format`, CEL `x-kubernetes-validations` and the value-only `oneOf/anyOf/allOf/not` are not checked,
 *   since the server's formats and RE2 patterns differ from ajv's and would turn into false positives.
 */
export function toAjvSchema(schema: Record<string, unknown>, root = false): Record<string, unknown> {
  if (schema['x-kubernetes-int-or-string'] === true) return { type: ['integer', 'string'] };
  const out: Record<string, unknown> = {};
  const type = schema.type;
  if (typeof type === 'string') out.type = type === 'number' ? 'number' : type;
  for (const keyword of PLAIN_KEYWORDS) if (schema[keyword] !== undefined) out[keyword] = schema[keyword];
  // OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum; draft-07 as numbers.
  if (schema.exclusiveMinimum === true && typeof schema.minimum === 'number') {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  }
  if (schema.exclusiveMaximum === true && typeof schema.maximum === 'number') {
    out.exclusiveMaximum = schema.maximum;
    delete out.maximum;
  }
  if (typeof schema.pattern === 'string' && isEcmaRegExp(schema.pattern)) out.pattern = schema.pattern;

  const items = asObject(schema.items);
  if (items) out.items = toAjvSchema(items);

  const properties = asObject(schema.properties);
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  if (properties) {
    const converted: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(properties)) {
      const subSchema = asObject(sub);
      converted[name] = subSchema ? toAjvSchema(subSchema) : {};
    }
    out.properties = converted;
  }
  if (root || embedded) {
    // The API server validates these itself (ObjectMeta), whatever the CRD author wrote about them.
    const props = (out.properties ?? {}) as Record<string, unknown>;
    props.apiVersion = { type: 'string' };
    props.kind = { type: 'string' };
    props.metadata = root ? { $ref: 'k8s#/$defs/V1ObjectMeta' } : { type: 'object' };
    out.properties = props;
  }
  const additional = schema.additionalProperties;
  if (asObject(additional)) out.additionalProperties = toAjvSchema(additional as Record<string, unknown>);
  else if (additional === false || (properties && !preserve)) out.additionalProperties = false;
  return out;
}

function isEcmaRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
