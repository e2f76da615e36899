import type { Inventory } from '../inventory.js';
import type { Resource } from '../types.js';
import { duplicateItems, hasType, isSimpleType } from './interpret.js';

/** One served version of a CustomResourceDefinition found in the checked files. */
export interface CrdVersion {
  /** `group/version/kind`, the lookup key for custom resources. */
  key: string;
  crd: Resource;
  /** Index in `spec.versions`, for pointing back at the CRD. */
  versionIndex: number;
  /** The openAPIV3Schema as written; undefined when the version declares none. */
  raw?: Record<string, unknown>;
  /**
   * The converted, ajv-ready schema (`toAjvSchema`); undefined when the version declares none. Converted on first
   * read: the interpreter converts only the nodes custom resources reach (`lazyAjvSchema`), and a CRD whose
   * kind has no resource in the tree is never converted at all.
   */
  readonly schema?: Record<string, unknown>;
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
      const served: CrdVersion = {
        key,
        crd,
        versionIndex,
        ...(raw ? { raw } : {}),
        deprecated: version.deprecated === true,
        ...(typeof version.deprecationWarning === 'string' ? { deprecationWarning: version.deprecationWarning } : {}),
      };
      if (raw) {
        let converted: Record<string, unknown> | undefined;
        Object.defineProperty(served, 'schema', { enumerable: true, get: () => (converted ??= toAjvSchema(raw, true)) });
      }
      versions.set(key, served);
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
  return convertNode(schema, root, toAjvSchema);
}

/**
 * A converted node whose subschemas (`items`, `properties` values, `additionalProperties`) are left as written,
 * to be converted by `lazyAjvSchema` when validation reaches them: a custom resource touches a small part of its
 * CRD's schema, and converting all of it was ~40 ms of the 57-CRD bundle. Keys and keywords are those of
 * `toAjvSchema`'s node.
 */
export function shallowAjvSchema(schema: Record<string, unknown>, root = false): Record<string, unknown> {
  return convertNode(schema, root, keep);
}

const lazilyConverted = new WeakMap<object, Record<string, unknown>>();

/** A subschema of a `shallowAjvSchema` node, converted the same way on first use (once per node). */
export function lazyAjvSchema(sub: unknown): Record<string, unknown> {
  // What convertNode itself puts in a node rather than copies from the CRD is already in converted form.
  if (injected.has(sub as object)) return sub as Record<string, unknown>;
  const raw = asObject(sub);
  if (!raw) return EMPTY;
  let converted = lazilyConverted.get(raw);
  if (!converted) lazilyConverted.set(raw, (converted = shallowAjvSchema(raw)));
  return converted;
}

const keep = (sub: Record<string, unknown>): Record<string, unknown> => sub;
const EMPTY: Record<string, unknown> = {};
const injected = new WeakSet<object>();

function convertNode(schema: Record<string, unknown>, root: boolean, child: (sub: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
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
  if (items) out.items = child(items);

  const properties = asObject(schema.properties);
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  if (properties) {
    const converted: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(properties)) {
      const subSchema = asObject(sub);
      converted[name] = subSchema ? child(subSchema) : {};
    }
    out.properties = converted;
  }
  if (root || embedded) {
    // The API server validates these itself (ObjectMeta), whatever the CRD author wrote about them.
    const props = (out.properties ?? {}) as Record<string, unknown>;
    props.apiVersion = { type: 'string' };
    props.kind = { type: 'string' };
    props.metadata = root ? { $ref: 'k8s#/$defs/V1ObjectMeta' } : { type: 'object' };
    if (child === keep) for (const name of ['apiVersion', 'kind', 'metadata']) injected.add(props[name] as object);
    out.properties = props;
  }
  const additional = schema.additionalProperties;
  if (asObject(additional)) out.additionalProperties = child(additional as Record<string, unknown>);
  else if (additional === false || (properties && !preserve)) out.additionalProperties = false;
  return out;
}

const ecmaPatterns = new Map<string, boolean>();
function isEcmaRegExp(pattern: string): boolean {
  let valid = ecmaPatterns.get(pattern);
  if (valid === undefined) {
    try {
      new RegExp(pattern, 'u');
      valid = true;
    } catch {
      valid = false;
    }
    ecmaPatterns.set(pattern, valid);
  }
  return valid;
}


/**
 * `isValidConvertedSchema(toAjvSchema(schema, true))` without converting: whether ajv would accept the
 * conversion, read off the schema as written (what the conversion copies, it copies unchanged; what it
 * makes up is always valid). One walk that allocates nothing, instead of a converted copy of the whole schema
 * checked afterwards. A test compares both on broken variants of every keyword.
 */
export function isValidStructuralSchema(schema: Record<string, unknown>): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return true;
  // One pass over the keys a node has (a few, besides its description) rather than a lookup per keyword.
  for (const key in schema) {
    const value = schema[key];
    switch (key) {
      case 'type':
        if (typeof value === 'string' && !isSimpleType(value)) return false;
        break;
      case 'enum':
        if (value !== undefined && (!Array.isArray(value) || value.length === 0 || duplicateItems(value, undefined))) return false;
        break;
      case 'minimum':
      case 'maximum':
        if (value !== undefined && typeof value !== 'number') return false;
        break;
      case 'multipleOf':
        if (value !== undefined && !(typeof value === 'number' && value > 0)) return false;
        break;
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
      case 'minProperties':
      case 'maxProperties':
        if (value !== undefined && !(hasType('integer', value) && (value as number) >= 0)) return false;
        break;
      case 'uniqueItems':
        if (value !== undefined && typeof value !== 'boolean') return false;
        break;
      case 'required':
        if (value !== undefined && !isNameList(value)) return false;
        break;
      case 'items':
      case 'additionalProperties': {
        const sub = asObject(value);
        if (sub && !isValidStructuralSchema(sub)) return false;
        break;
      }
      case 'properties': {
        const properties = asObject(value);
        if (!properties) break;
        for (const name in properties) {
          // toAjvSchema's copy of a `__proto__` property becomes its prototype, out of the validity check's sight.
          if (name === '__proto__' || !Object.prototype.hasOwnProperty.call(properties, name)) continue;
          const sub = asObject(properties[name]);
          if (sub && !isValidStructuralSchema(sub)) return false;
        }
        break;
      }
    }
  }
  return true;
}

/** `required` as ajv accepts it: an array of distinct strings. */
function isNameList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return false;
    for (let j = 0; j < i; j++) if (value[j] === value[i]) return false;
  }
  return true;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
