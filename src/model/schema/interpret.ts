import type { ErrorObject } from 'ajv';

/** What checkSchema needs of a validator: ajv's compiled functions and the interpreter below both fit. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** A validator for the `$ref`s a converted CRD schema holds (only `k8s#/$defs/V1ObjectMeta`), ajv's signature. */
export type RefValidator = ((data: unknown, context: { instancePath: string; parentData: unknown; parentDataProperty: string; rootData: unknown }) => boolean) & {
  errors?: ErrorObject[] | null;
};

type Schema = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Validates against a CRD schema as converted by `toAjvSchema`, walking schema and data together instead
 * of compiling: ajv's code generation took ~200 ms per large CRD schema (12 s of a 57-CRD bundle), while a
 * CRD's schema typically serves a handful of custom resources in a run. It gives exactly the errors ajv
 * gives with AJV_OPTIONS (allErrors, verbose, strict off: no strict numbers, unicode string lengths, `u`
 * patterns), in ajv's order, for the keywords `toAjvSchema` emits: type, enum, the number, string, array
 * and object limits, required, pattern, items, properties, additionalProperties and `$ref`. A test compares
 * it with ajv on real CRDs and mutated custom resources.
 */
export function interpretedValidator(
  schema: Schema,
  resolveRef: (ref: string) => RefValidator | undefined,
  /** How to read a subschema: `lazyAjvSchema` when `schema` is a `shallowAjvSchema` node (crd.ts). */
  subschema: (sub: unknown) => Schema = (sub) => sub as Schema,
): SchemaValidator {
  const validate: SchemaValidator = (data: unknown): boolean => {
    const run = new Run(resolveRef, data, subschema);
    run.node(schema, data, undefined, undefined);
    validate.errors = run.errors.length > 0 ? run.errors : null;
    return run.errors.length === 0;
  };
  validate.errors = null;
  return validate;
}

/** Keywords ajv applies only to data of one type (its rule groups), in ajv's order within each group. */
const GROUPS: Record<'number' | 'string' | 'array' | 'object', readonly string[]> = {
  number: ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf'],
  string: ['maxLength', 'minLength', 'pattern'],
  array: ['maxItems', 'minItems', 'items', 'uniqueItems'],
  object: ['maxProperties', 'minProperties', 'required', 'additionalProperties', 'properties'],
};

const LIMITS = {
  maximum: { ok: '<=', fails: (d: number, l: number) => d > l },
  minimum: { ok: '>=', fails: (d: number, l: number) => d < l },
  exclusiveMaximum: { ok: '<', fails: (d: number, l: number) => d >= l },
  exclusiveMinimum: { ok: '>', fails: (d: number, l: number) => d <= l },
} as const;

const patterns = new Map<string, RegExp>();

class Run {
  readonly errors: ErrorObject[] = [];
  /** Data path and schema path segments of the node being validated (pointers are only built for errors). */
  private readonly dataPath: string[] = [];
  private readonly schemaPath: string[] = [];

  constructor(
    private readonly resolveRef: (ref: string) => RefValidator | undefined,
    private readonly rootData: unknown,
    private readonly subschema: (sub: unknown) => Schema,
  ) {}

  node(schema: Schema, data: unknown, parentData: unknown, parentDataProperty: string | undefined): void {
    if (typeof schema.$ref === 'string') {
      // ajv applies a `$ref` alone when it is the schema's only keyword, as it is in converted schemas.
      const validate = this.resolveRef(schema.$ref);
      if (validate && !validate(data, { instancePath: this.pointer(this.dataPath), parentData, parentDataProperty: parentDataProperty ?? '', rootData: this.rootData })) {
        this.errors.push(...(validate.errors ?? []));
      }
      return;
    }
    const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : (schema.type as string[]);
    // ajv checks the type up front unless it is one type whose rule group the schema uses: then in that group's else.
    const single = types.length === 1 && types[0]! in GROUPS ? (types[0] as keyof typeof GROUPS) : undefined;
    const typeInGroup = single !== undefined && GROUPS[single].some((k) => schema[k] !== undefined);
    const wrongType = types.length > 0 && !types.some((t) => hasType(t, data));
    if (wrongType && !typeInGroup) this.typeError(schema, data);

    if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => (typeof allowed === 'object' && allowed !== null ? deepEqual(data, allowed) : data === allowed))) {
      this.error('enum', schema, data, { allowedValues: schema.enum }, 'must be equal to one of the allowed values');
    }

    if (typeof data === 'number') this.numberKeywords(schema, data);
    else if (single === 'number' && typeInGroup) this.typeError(schema, data);
    if (typeof data === 'string') this.stringKeywords(schema, data);
    else if (single === 'string' && typeInGroup) this.typeError(schema, data);
    if (Array.isArray(data)) this.arrayKeywords(schema, data);
    else if (single === 'array' && typeInGroup) this.typeError(schema, data);
    if (isObject(data)) this.objectKeywords(schema, data);
    else if (single === 'object' && typeInGroup) this.typeError(schema, data);
  }

  private numberKeywords(schema: Schema, data: number): void {
    for (const keyword of ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum'] as const) {
      const limit = schema[keyword];
      if (typeof limit !== 'number') continue;
      const { ok, fails } = LIMITS[keyword];
      if (fails(data, limit) || Number.isNaN(data)) this.error(keyword, schema, data, { comparison: ok, limit }, `must be ${ok} ${limit}`);
    }
    const multipleOf = schema.multipleOf;
    if (typeof multipleOf === 'number') {
      const quotient = data / multipleOf;
      if (multipleOf === 0 || quotient !== parseInt(String(quotient), 10)) {
        this.error('multipleOf', schema, data, { multipleOf }, `must be multiple of ${multipleOf}`);
      }
    }
  }

  private stringKeywords(schema: Schema, data: string): void {
    for (const keyword of ['maxLength', 'minLength'] as const) {
      const limit = schema[keyword];
      if (typeof limit !== 'number') continue;
      const length = ucs2length(data);
      if (keyword === 'maxLength' ? length > limit : length < limit) {
        this.error(keyword, schema, data, { limit }, `must NOT have ${keyword === 'maxLength' ? 'more' : 'fewer'} than ${limit} characters`);
      }
    }
    if (typeof schema.pattern === 'string') {
      let regExp = patterns.get(schema.pattern);
      if (!regExp) patterns.set(schema.pattern, (regExp = new RegExp(schema.pattern, 'u')));
      if (!regExp.test(data)) this.error('pattern', schema, data, { pattern: schema.pattern }, `must match pattern "${schema.pattern}"`);
    }
  }

  private arrayKeywords(schema: Schema, data: unknown[]): void {
    for (const keyword of ['maxItems', 'minItems'] as const) {
      const limit = schema[keyword];
      if (typeof limit !== 'number') continue;
      if (keyword === 'maxItems' ? data.length > limit : data.length < limit) {
        this.error(keyword, schema, data, { limit }, `must NOT have ${keyword === 'maxItems' ? 'more' : 'fewer'} than ${limit} items`);
      }
    }
    // ajv adds `items` before `uniqueItems` in the array group.
    const items = schema.items === undefined ? undefined : this.subschema(schema.items);
    if (isObject(items) && !alwaysValid(items)) {
      this.schemaPath.push('items');
      data.forEach((item, index) => {
        this.dataPath.push(String(index));
        this.node(items, item, data, String(index));
        this.dataPath.pop();
      });
      this.schemaPath.pop();
    }
    if (schema.uniqueItems === true) {
      const duplicate = duplicateItems(data, isObject(items) ? items : undefined);
      if (duplicate) {
        const [i, j] = duplicate;
        this.error('uniqueItems', schema, data, { i, j }, `must NOT have duplicate items (items ## ${j} and ${i} are identical)`);
      }
    }
  }

  private objectKeywords(schema: Schema, data: Record<string, unknown>): void {
    for (const keyword of ['maxProperties', 'minProperties'] as const) {
      const limit = schema[keyword];
      if (typeof limit !== 'number') continue;
      const count = Object.keys(data).length;
      if (keyword === 'maxProperties' ? count > limit : count < limit) {
        this.error(keyword, schema, data, { limit }, `must NOT have ${keyword === 'maxProperties' ? 'more' : 'fewer'} than ${limit} properties`);
      }
    }
    if (Array.isArray(schema.required)) {
      for (const name of schema.required as string[]) {
        if (data[name] === undefined) this.error('required', schema, data, { missingProperty: name }, `must have required property '${name}'`);
      }
    }
    const properties = isObject(schema.properties) ? schema.properties : undefined;
    const additional = isObject(schema.additionalProperties) ? this.subschema(schema.additionalProperties) : schema.additionalProperties;
    if (additional === false || (isObject(additional) && !alwaysValid(additional))) {
      for (const key in data) {
        if (properties && key !== '__proto__' && hasOwn.call(properties, key)) continue;
        if (additional === false) {
          this.error('additionalProperties', schema, data, { additionalProperty: key }, 'must NOT have additional properties');
          continue;
        }
        this.schemaPath.push('additionalProperties');
        this.dataPath.push(key);
        this.node(additional as Schema, data[key], data, key);
        this.dataPath.pop();
        this.schemaPath.pop();
      }
    }
    if (properties) {
      for (const name of Object.keys(properties)) {
        if (name === '__proto__' || data[name] === undefined) continue;
        const sub = this.subschema(properties[name]);
        if (!isObject(sub) || alwaysValid(sub)) continue;
        this.schemaPath.push('properties', name);
        this.dataPath.push(name);
        this.node(sub, data[name], data, name);
        this.dataPath.pop();
        this.schemaPath.length -= 2;
      }
    }
  }

  private typeError(schema: Schema, data: unknown): void {
    this.error('type', schema, data, { type: schema.type }, `must be ${String(schema.type)}`);
  }

  private error(keyword: string, parentSchema: Schema, data: unknown, params: Record<string, unknown>, message: string): void {
    this.errors.push({
      instancePath: this.pointer(this.dataPath),
      schemaPath: `#${this.pointer(this.schemaPath)}/${keyword}`,
      keyword,
      params,
      message,
      schema: parentSchema[keyword],
      parentSchema,
      data,
    });
  }

  private pointer(segments: readonly string[]): string {
    let out = '';
    for (const segment of segments) out += `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return out;
  }
}

/** ajv's type checks with `strictNumbers` off (strict: false): NaN and infinities are numbers. */
export function hasType(type: string, data: unknown): boolean {
  switch (type) {
    case 'null':
      return data === null;
    case 'array':
      return Array.isArray(data);
    case 'object':
      return isObject(data);
    case 'integer':
      return typeof data === 'number' && !(data % 1) && !Number.isNaN(data);
    case 'number':
      return typeof data === 'number';
    default:
      return typeof data === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/** ajv skips subschemas without keywords (`{}`). */
function alwaysValid(schema: Schema): boolean {
  for (const _ in schema) return false;
  return true;
}

/** ajv's uniqueItems: scanning from the end, the first item equal to a later one, as [later, earlier]. */
export function duplicateItems(data: unknown[], items: Schema | undefined): [number, number] | undefined {
  const types = items?.type === undefined ? [] : typeof items.type === 'string' ? [items.type] : (items.type as string[]);
  if (types.length > 0 && !types.some((t) => t === 'object' || t === 'array')) {
    // ajv's fast path: items of the declared scalar types keyed in a map; others skipped.
    const seen = new Map<unknown, number>();
    for (let i = data.length; i--; ) {
      let item = data[i];
      if (!types.some((t) => hasType(t, item))) continue;
      if (types.length > 1 && typeof item === 'string') item = `${item}_`;
      const key = typeof item === 'string' ? item : String(item);
      const earlier = seen.get(key);
      if (earlier !== undefined) return [i, earlier];
      seen.set(key, i);
    }
    return undefined;
  }
  for (let i = data.length; i--; ) {
    for (let j = i; j--; ) if (deepEqual(data[i], data[j])) return [i, j];
  }
  return undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return a !== a && b !== b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const left = Object.keys(a);
  if (left.length !== Object.keys(b).length) return false;
  return left.every((key) => hasOwn.call(b, key) && deepEqual((a as Schema)[key], (b as Schema)[key]));
}

/** ajv counts a string's length in code points. */
function ucs2length(text: string): number {
  let length = 0;
  for (let pos = 0; pos < text.length; ) {
    length++;
    const code = text.charCodeAt(pos++);
    if (code >= 0xd800 && code <= 0xdbff && pos < text.length && (text.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++;
  }
  return length;
}

const SIMPLE_TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);

export function isSimpleType(type: string): boolean {
  return SIMPLE_TYPES.has(type);
}
const NON_NEGATIVE_INTEGERS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const NUMBERS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/**
 * Whether ajv would accept a converted CRD schema (its draft-07 meta-schema, for the keywords `toAjvSchema`
 * emits), without compiling that meta-schema: ajv's own check cost ~150 ms per run that meets a CRD.
 * A test compares it with `ajv.validateSchema` on broken variants of every keyword.
 */
export function isValidConvertedSchema(schema: unknown): boolean {
  if (typeof schema === 'boolean') return true;
  if (!isObject(schema)) return false;
  const type = schema.type;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (types.length === 0 || !types.every((t) => typeof t === 'string' && SIMPLE_TYPES.has(t)) || new Set(types).size !== types.length) return false;
  }
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0 || duplicateItems(schema.enum, undefined))) return false;
  for (const keyword of NUMBERS) if (schema[keyword] !== undefined && typeof schema[keyword] !== 'number') return false;
  if (schema.multipleOf !== undefined && !(typeof schema.multipleOf === 'number' && schema.multipleOf > 0)) return false;
  for (const keyword of NON_NEGATIVE_INTEGERS) {
    const value = schema[keyword];
    if (value !== undefined && !(hasType('integer', value) && (value as number) >= 0)) return false;
  }
  if (schema.uniqueItems !== undefined && typeof schema.uniqueItems !== 'boolean') return false;
  if (schema.required !== undefined) {
    const required = schema.required;
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string') || new Set(required).size !== required.length) return false;
  }
  if (schema.pattern !== undefined && typeof schema.pattern !== 'string') return false;
  if (schema.$ref !== undefined && typeof schema.$ref !== 'string') return false;
  if (schema.items !== undefined) {
    const items = schema.items;
    if (Array.isArray(items) ? items.length === 0 || !items.every(isValidConvertedSchema) : !isValidConvertedSchema(items)) return false;
  }
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties) || !Object.values(schema.properties).every(isValidConvertedSchema)) return false;
  }
  if (schema.additionalProperties !== undefined && !isValidConvertedSchema(schema.additionalProperties)) return false;
  return true;
}
