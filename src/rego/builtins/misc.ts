// json.marshal_with_options, json.match_schema / json.verify_schema, numbers.range_step,
// urlquery.encode / decode / encode_object / decode_object and opa.runtime.
import { reserve } from './budget.js';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject } from 'ajv';
import { builtinError, intArg, obj, str, typeError, typeName, type HostBuiltin, type Json } from './args.js';
import { RegoNumber } from './sets.js';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER), MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integer operand of any size (OPA's BigIntOperand): long numbers arrive as their text (RegoNumber). */
function bigIntArg(name: string, v: Json, i: number): bigint {
  if (v instanceof RegoNumber) {
    const m = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(v.text);
    if (m) {
      const frac = m[3] ?? '';
      const exp = Number(m[4] ?? 0) - frac.length;
      const digits = BigInt(m[2]! + frac);
      if (exp >= 0 && exp <= 400) return (m[1] ? -1n : 1n) * digits * 10n ** BigInt(exp);
      if (exp < 0 && digits % 10n ** BigInt(-exp) === 0n) return (m[1] ? -1n : 1n) * (digits / 10n ** BigInt(-exp));
    }
    return typeError(name, `operand ${i} must be integer number but got floating-point number`);
  }
  return BigInt(intArg(name, v, i));
}

/** Go's json.Marshal: keys sorted, and <, >, & escaped as OPA's output has them. */
function goJson(v: Json, indent: string | undefined, prefix: string, depth = 0): string {
  const nl = indent === undefined ? '' : '\n' + prefix + indent.repeat(depth + 1);
  const close = indent === undefined ? '' : '\n' + prefix + indent.repeat(depth);
  const colon = indent === undefined ? ':' : ': ';
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    // Every element repeats the indentation of its depth: a long indent multiplies the output.
    reserve('json.marshal_with_options', v.length * nl.length);
    return `[${v.map((x) => nl + goJson(x, indent, prefix, depth + 1)).join(',')}${close}]`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    if (!keys.length) return '{}';
    reserve('json.marshal_with_options', keys.length * nl.length);
    return `{${keys.map((k) => nl + escapeHtml(JSON.stringify(k)) + colon + goJson((v as Record<string, Json>)[k], indent, prefix, depth + 1)).join(',')}${close}}`;
  }
  return escapeHtml(JSON.stringify(v));
}
const escapeHtml = (s: string): string => s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

// ---------- JSON Schema (OPA: draft 4 to 7 through gojsonschema); ajv with its draft-07 default ----------
// Created on first use, like the graphql library: runs without schema builtins do not pay for it.
let ajvInstance: Ajv | undefined;
let lenientAjv: Ajv | undefined;
function ajv(lenient = false): Ajv {
  if (lenient) {
    // gojsonschema accepts an empty enum (no document matches it); ajv requires one item, so the
    // schema is rewritten and compiled without the meta-schema check that would reject it.
    if (!lenientAjv) {
      const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      lenientAjv = new AjvClass({ strict: false, allErrors: true, validateSchema: false, verbose: true });
    }
    return lenientAjv;
  }
  if (!ajvInstance) {
    const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajvInstance = new AjvClass({ strict: false, allErrors: true, validateSchema: true, verbose: true });
  }
  return ajvInstance;
}
const SCHEMAS = new Map<string, ReturnType<Ajv['compile']>>();

function schemaOf(name: string, v: Json, i: number): Record<string, Json> | boolean {
  if (typeof v === 'string') {
    try { return JSON.parse(v) as Record<string, Json>; } catch (e) { return builtinError(name, `operand ${i}: invalid JSON: ${(e as Error).message}`); }
  }
  if (typeof v === 'boolean') return v;
  return obj(name, v, i);
}

/** The schema with each `enum: []` (which no value matches) written as `not: {}`, which ajv accepts. */
function withoutEmptyEnums(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutEmptyEnums);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v as Record<string, Json>)) {
    if (k === 'enum' && Array.isArray(x) && x.length === 0) out.not = {};
    else out[k] = withoutEmptyEnums(x);
  }
  return out;
}

function compileSchema(schema: Record<string, Json> | boolean): ReturnType<Ajv['compile']> {
  const key = JSON.stringify(schema);
  let f = SCHEMAS.get(key);
  if (!f) {
    try {
      f = ajv().compile(schema);
    } catch (e) {
      if (!/enum must NOT have fewer than 1 items/.test((e as Error).message)) throw e;
      f = ajv(true).compile(withoutEmptyEnums(schema) as Record<string, Json>);
    }
    if (SCHEMAS.size > 256) SCHEMAS.clear();
    SCHEMAS.set(key, f);
  }
  return f;
}

/** JSON Schema's name for a value's type, as gojsonschema reports it (a whole number is an integer). */
function schemaTypeName(v: Json): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeName(v);
}

function schemaError(e: ErrorObject): Record<string, string> {
  const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  // gojsonschema's wording and error types (OPA returns them) for the keywords where they are known.
  if (e.keyword === 'type') {
    const expected = Array.isArray(e.params.type) ? (e.params.type as string[]).join(', ') : String(e.params.type);
    const desc = `Invalid type. Expected: ${expected}, given: ${schemaTypeName(e.data as Json)}`;
    return { error: `${field}: ${desc}`, type: 'invalid_type', field, desc };
  }
  if (e.keyword === 'required') {
    const desc = `${String(e.params.missingProperty)} is required`;
    return { error: `${field}: ${desc}`, type: 'required', field, desc };
  }
  const desc = e.message ?? e.keyword;
  return { error: `${field}: ${desc}`, type: e.keyword, field, desc };
}

function documentOf(name: string, v: Json): Json {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch (e) { return builtinError(name, `operand 1: invalid JSON: ${(e as Error).message}`); }
}

/** Go's url.QueryEscape: only letters, digits and -_.~ stay; a space becomes "+". */
function queryEscape(s: string): string {
  return Array.from(Buffer.from(s, 'utf8')).map((b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
    return c === ' ' ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** Go's url.QueryUnescape: "+" is a space, a malformed %-escape is an error. */
function queryUnescape(name: string, s: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) builtinError(name, `invalid URL escape "${/%.{0,2}/.exec(s.slice(s.search(/%(?![0-9A-Fa-f]{2})/)))![0]}"`);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') { bytes.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; }
    else if (s[i] === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}


export const MISC_BUILTINS: Record<string, HostBuiltin> = {
  'json.marshal_with_options': { arity: 2, fn: (v, o) => {
    const name = 'json.marshal_with_options';
    const opts = obj(name, o, 2);
    for (const [k, x] of Object.entries(opts)) {
      if (k === 'pretty') { if (typeof x !== 'boolean') typeError(name, `operand 2 "pretty" must be boolean but got ${typeName(x)}`); }
      else if (k === 'indent' || k === 'prefix') str(name, x, 2);
      else builtinError(name, `object contained unknown key ${JSON.stringify(k)}`);
    }
    const pretty = opts.pretty ?? (opts.indent !== undefined || opts.prefix !== undefined);
    if (!pretty) return goJson(v, undefined, '');
    return goJson(v, (opts.indent as string | undefined) ?? '\t', (opts.prefix as string | undefined) ?? '');
  } },
  'json.verify_schema': { arity: 1, fn: (s) => {
    const name = 'json.verify_schema';
    const schema = schemaOf(name, s, 1);
    try { compileSchema(schema); return [true, null]; } catch (e) { return [false, (e as Error).message]; }
  } },
  'json.match_schema': { arity: 2, fn: (d, s) => {
    const name = 'json.match_schema';
    let validate: ReturnType<Ajv['compile']>;
    try { validate = compileSchema(schemaOf(name, s, 2)); } catch (e) { return builtinError(name, `invalid schema: ${(e as Error).message}`); }
    const ok = validate(documentOf(name, d));
    return [ok, ok ? [] : (validate.errors ?? []).map(schemaError)];
  } },
  'numbers.range_step': { arity: 3, fn: (a, b, s) => {
    const name = 'numbers.range_step';
    const from = bigIntArg(name, a, 1), to = bigIntArg(name, b, 2), step = bigIntArg(name, s, 3);
    if (step < 1n) builtinError(name, 'step must be a positive number above zero');
    const span = to >= from ? to - from : from - to;
    if (span / step > 10_000_000n) builtinError(name, 'range too large');
    // OPA's bounds are big.Ints: members past 2^53 stay exact (bigint, written out as digits).
    const member = (x: bigint): number | bigint => (x >= MIN_SAFE && x <= MAX_SAFE ? Number(x) : x);
    const out: (number | bigint)[] = [];
    if (from <= to) for (let x = from; x <= to; x += step) out.push(member(x));
    else for (let x = from; x >= to; x -= step) out.push(member(x));
    return out;
  } },
  'urlquery.encode': { arity: 1, fn: (s) => queryEscape(str('urlquery.encode', s, 1)) },
  'urlquery.decode': { arity: 1, fn: (s) => queryUnescape('urlquery.decode', str('urlquery.decode', s, 1)) },
  'urlquery.encode_object': { arity: 1, fn: (o) => {
    const name = 'urlquery.encode_object';
    const parts: string[] = [];
    for (const k of Object.keys(obj(name, o, 1)).sort()) {
      const v = (o as Record<string, Json>)[k];
      const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v.map((x) => str(name, x, 1)) : typeError(name, `operand 1 values must be strings, arrays or sets of strings but got ${typeName(v)}`);
      for (const x of values) parts.push(`${queryEscape(k)}=${queryEscape(x)}`);
    }
    return parts.join('&');
  } },
  'urlquery.decode_object': { arity: 1, fn: (s) => {
    const name = 'urlquery.decode_object';
    const out: Record<string, string[]> = {};
    for (const pair of str(name, s, 1).split('&')) {
      if (pair === '') continue;
      if (pair.includes(';')) builtinError(name, 'invalid semicolon separator in query');
      const eq = pair.indexOf('=');
      const k = queryUnescape(name, eq < 0 ? pair : pair.slice(0, eq)), v = eq < 0 ? '' : queryUnescape(name, pair.slice(eq + 1));
      (out[k] ??= []).push(v);
    }
    return out;
  } },
  // Policies see no environment: variables of a CI job or webhook pod would otherwise end up quoted in reports.
  // OPA embedded without runtime information (its Go API, its conformance harness) answers {}: meshguard is
  // embedded the same way, and policies never see the environment of the CI job or webhook pod.
  'opa.runtime': { arity: 0, fn: () => ({}) },
};
