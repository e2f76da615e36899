// Which builtins exist, their arity, and where they run: inside the module ("native"), in the
// opa-wasm SDK ("sdk": it implements a few itself) or in our TypeScript host builtins ("host").
// A builtin missing here is a compile error naming it.
import { HOST_BUILTINS } from './host-builtins.js';
import { HOST_ALIAS_PREFIX_LOCAL as HOST_ALIAS_PREFIX } from './host-alias.js';
import { MOCK_ONLY_BUILTINS, UNSUPPORTED_BUILTINS } from './builtins/index.js';
import { RULE_METADATA_BUILTINS } from './builtins/rule-metadata.js';
import { constantJson, httpSendRequestFailure } from './builtins/http-send.js';
import type { Term } from './ast.js';

export type BuiltinPlace = 'native' | 'sdk' | 'host';
export interface BuiltinInfo { arity: number; place: BuiltinPlace; hostName?: string }

const NATIVE: Record<string, number> = {
  equal: 2, neq: 2, lt: 2, lte: 2, gt: 2, gte: 2,
  plus: 2, minus: 2, mul: 2, div: 2, rem: 2, abs: 1, round: 1, ceil: 1, floor: 1,
  count: 1, sum: 1, product: 1, max: 1, min: 1, sort: 1,
  and: 2, or: 2, intersection: 1, union: 1,
  'internal.member_2': 2, 'internal.member_3': 3,
  is_string: 1, is_number: 1, is_boolean: 1, is_array: 1, is_object: 1, is_set: 1, is_null: 1,
  type_name: 1, to_number: 1,
  concat: 2, startswith: 2, endswith: 2, contains: 2, lower: 1, upper: 1,
  'array.concat': 2, 'array.reverse': 1, 'array.slice': 3,
  'object.get': 3, 'object.keys': 1, 'object.remove': 2, 'object.filter': 2, 'object.union': 2, 'object.union_n': 1,
  sprintf: 2, 'numbers.range': 2, walk: 1, 'json.marshal': 1, 'json.unmarshal': 1,
  'bits.and': 2, 'bits.or': 2, 'bits.xor': 2, 'bits.lsh': 2, 'bits.rsh': 2, 'bits.negate': 1,
  trim_space: 1, split: 2,
  // runtime/assembly/builtins-extra.ts: these depend on sets, which host builtins never see.
  'object.subset': 2, set_diff: 2, cast_array: 1, cast_set: 1, cast_string: 1, cast_boolean: 1, cast_null: 1, cast_object: 1,
  // Planned as constants (builtins/rule-metadata.ts); they never reach the runtime.
  ...RULE_METADATA_BUILTINS,
};

/**
 * opa-wasm implements these itself and its versions win over customBuiltins (and differ from OPA,
 * e.g. sprintf("%v", {...}) prints [object Object]); ours are imported under an alias instead.
 */
const SDK_SHADOWED = new Set(['sprintf', 'json.is_valid', 'regex.split', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal']);

export function builtinInfo(name: string): BuiltinInfo | undefined {
  const n = Object.hasOwn(NATIVE, name) ? NATIVE[name] : undefined;
  if (n !== undefined) return { arity: n, place: 'native' };
  const h = Object.hasOwn(HOST_BUILTINS, name) ? HOST_BUILTINS[name] : undefined;
  if (h) return { arity: h.arity, place: 'host', hostName: SDK_SHADOWED.has(name) ? HOST_ALIAS_PREFIX + name : name };
  return undefined;
}

/**
 * A call of http.send whose constant request fails the checks OPA makes before any I/O compiles: it can
 * only raise OPA's error for it, which the host does (builtins/http-send.ts).
 */
export function requestCheckInfo(name: string, args: Term[]): BuiltinInfo | undefined {
  if (name !== 'http.send' || args.length < 1) return undefined;
  const req = constantJson(args[0]!);
  return req !== undefined && httpSendRequestFailure(req) ? mockOnlyInfo(name) : undefined;
}

export function mockOnlyInfo(name: string): BuiltinInfo | undefined {
  const n = Object.hasOwn(MOCK_ONLY_BUILTINS, name) ? MOCK_ONLY_BUILTINS[name] : undefined;
  return n === undefined ? undefined : { arity: n, place: 'host' };
}

/** `print` is handled by the planner (it never fails and prints undefined as <undefined>). */
export const PRINT = 'print';

/** The compile error for a call to a function that is neither a rule nor a builtin. */
export function undefinedFunctionMessage(name: string): string {
  const why = Object.hasOwn(UNSUPPORTED_BUILTINS, name) ? UNSUPPORTED_BUILTINS[name] : undefined;
  return why ? `builtin ${name} is not supported by meshguard: ${why}` : `undefined function ${name}`;
}

/** Deprecated in OPA 1.0: Rego v1 modules cannot call them (v0 modules still can). */
export const DEPRECATED_BUILTINS = new Set(['any', 'all', 're_match', 'set_diff', 'net.cidr_overlap', 'cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object']);
