// graphql.is_valid and graphql.schema_is_valid, validated by graphql-js (the GraphQL reference
// implementation) against the GraphQL specification, as OPA validates with gqlparser. The parse builtins
// are left out: they return gqlparser's AST, a structure graphql-js does not produce.
import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { builtinError, typeName, type HostBuiltin, type Json } from './args.js';

// Loaded on first use: most policy runs never call a graphql builtin, and every run would pay for the import.
let lib: typeof import('graphql') | undefined;
const graphql = (): typeof import('graphql') => (lib ??= createRequire(import.meta.url)('graphql') as typeof import('graphql'));

/** Schema and query texts; the AST objects OPA also accepts come from the parse builtins meshguard lacks. */
function text(name: string, v: Json, i: number): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return builtinError(name, `operand ${i}: GraphQL AST objects are not supported by meshguard, pass the text`);
  return builtinError(name, `operand ${i} must be one of {string, object} but got ${typeName(v)}`);
}

/** Extension kinds and the definition kind each becomes when its type is defined nowhere. */
const EXTENSION_DEFINITION: Record<string, string> = {
  ObjectTypeExtension: 'ObjectTypeDefinition', InterfaceTypeExtension: 'InterfaceTypeDefinition',
  UnionTypeExtension: 'UnionTypeDefinition', EnumTypeExtension: 'EnumTypeDefinition',
  InputObjectTypeExtension: 'InputObjectTypeDefinition', ScalarTypeExtension: 'ScalarTypeDefinition',
};

function schemaOf(source: string): GraphQLSchema | undefined {
  try {
    const { buildASTSchema, parse, validateSchema } = graphql();
    const doc = parse(source);
    // gqlparser (OPA) lets `extend type T` define T when no definition does (federation schemas rely on
    // it); graphql-js rejects the extension, so the first extension of an undefined type becomes its definition.
    const defined = new Set(doc.definitions.flatMap((d) => (d.kind.endsWith('TypeDefinition') && 'name' in d && d.name ? [d.name.value] : [])));
    const definitions = doc.definitions.map((d) => {
      const kind = EXTENSION_DEFINITION[d.kind];
      if (!kind || !('name' in d) || !d.name || defined.has(d.name.value)) return d;
      defined.add(d.name.value);
      return { ...d, kind } as unknown as typeof d;
    });
    const schema = buildASTSchema({ ...doc, definitions });
    // gqlparser accepts a schema without a query root (only its operations would then be invalid).
    const errors = validateSchema(schema).filter((e) => !/^Query root type must be provided/.test(e.message));
    return errors.length === 0 ? schema : undefined;
  } catch {
    return undefined;
  }
}

export const GRAPHQL_BUILTINS: Record<string, HostBuiltin> = {
  'graphql.schema_is_valid': { arity: 1, fn: (s) => schemaOf(text('graphql.schema_is_valid', s, 1)) !== undefined },
  'graphql.is_valid': { arity: 2, fn: (q, s) => {
    const query = text('graphql.is_valid', q, 1);
    const schema = schemaOf(text('graphql.is_valid', s, 2));
    if (!schema) return false;
    // A document with no definitions (empty, or only comments) has nothing to be invalid, as in gqlparser.
    if (/^(?:\s|,|#[^\n\r]*)*$/.test(query)) return true;
    try {
      return graphql().validate(schema, graphql().parse(query)).length === 0;
    } catch {
      return false;
    }
  } },
};
