// Builtins implemented in TypeScript and handed to opa-wasm's loadPolicy() as customBuiltins.
// Arguments arrive as JSON (sets become arrays). Returning undefined makes the call undefined;
// argument errors are undefined in OPA's default mode and thrown in strict mode.

import { randomUUID } from 'node:crypto';
import { civil, diff, formatLayout, NAMED_LAYOUTS, parseLayout, RFC3339_NANO, TimeError, type Civil } from './host-time.js';
import { FormatError, jsonPatch, jsonSelect, yamlMarshal, yamlUnmarshal } from './host-format.js';
import { HOST_ALIAS_PREFIX_LOCAL, PRINT_HOST } from './host-alias.js';
import { RegoError } from './errors.js';
import { HostBuiltinError, builtinError, intArg, numArg, str, strs, typeError, typeName, type HostBuiltin, type Json } from './builtins/args.js';
import { MOCK_ONLY_BUILTINS, NAMESPACED_BUILTINS, UNSUPPORTED_BUILTINS } from './builtins/index.js';
import { RegoNumber, SET_TAGGED, decodeSets, encodeSets } from './builtins/sets.js';
import { fileBuiltins, type FileAccess } from './builtins/conftest.js';
import { httpSendRequestFailure } from './builtins/http-send.js';
import { HOST_RESULT_LIMIT, HostMemoryLimitError, isHostAllocationFailure, reserve, resultSize } from './builtins/budget.js';

export { HostBuiltinError, typeName, type HostBuiltin } from './builtins/args.js';

const RANDOM = new Map<string, number>();
let NOW: number | bigint | undefined;
const UUIDS = new Map<string, string>();

const t = typeError;
const b = builtinError;

/** Rego counts code points, not UTF-16 units. */
const cps = (s: string): string[] => Array.from(s);

// Quantities: SI prefixes (m is milli, M mega; other prefixes match either case, as OPA does),
// and binary Ki..Yi suffixes in any case. An unknown suffix makes the call undefined.
const SI: Record<string, number> = {
  Q: 1e30, R: 1e27, Y: 1e24, Z: 1e21, E: 1e18, P: 1e15, T: 1e12, G: 1e9, M: 1e6, k: 1e3, K: 1e3, h: 1e2, da: 1e1,
  '': 1, d: 1e-1, c: 1e-2, m: 1e-3, 'μ': 1e-6, n: 1e-9, f: 1e-15, a: 1e-18, z: 1e-21, y: 1e-24, r: 1e-27, q: 1e-30,
  e: 1e18, p: 1e15, t: 1e12, g: 1e9,
};
const BINARY: Record<string, bigint> = { ki: 1n << 10n, mi: 1n << 20n, gi: 1n << 30n, ti: 1n << 40n, pi: 1n << 50n, ei: 1n << 60n, zi: 1n << 70n, yi: 1n << 80n };
// units.parse_bytes knows OPA's units only (up to exa, as uint64 multipliers in OPA): "1zb" is an error there.
const BYTE_UNITS: Record<string, bigint> = {
  '': 1n, k: 1000n, m: 1000n ** 2n, g: 1000n ** 3n, t: 1000n ** 4n, p: 1000n ** 5n, e: 1000n ** 6n,
  ki: 1n << 10n, mi: 1n << 20n, gi: 1n << 30n, ti: 1n << 40n, pi: 1n << 50n, ei: 1n << 60n,
};

/** A decimal literal as an exact fraction num / 10^scale (scale may be negative). */
function decimalParts(s: string): { num: bigint; scale: number } | undefined {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const num = BigInt((m[1] === '-' ? '-' : '') + (m[2]! + frac || '0'));
  return { num, scale: frac.length - Number(m[4] ?? 0) };
}

/**
 * OPA: lower-case the text, drop quotes, split the amount from the unit, multiply, and truncate to an
 * integer (big.Float.Int). Exact here for any size: the result may exceed 2^53.
 */
function parseBytes(name: string, raw: string): number | bigint {
  const s = raw.toLowerCase().replace(/"/g, '');
  if (s.includes(' ')) b(name, 'spaces not allowed in resource strings');
  let cut = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9.+-]/.test(c)) continue;
    if (c === 'e' && i + 1 < s.length && /[0-9+-]/.test(s[i + 1]!)) {
      if (s[i + 1] === '+' || s[i + 1] === '-') i++;
      const digits = /^\d*/.exec(s.slice(i + 1))![0];
      if (digits.length > 6) b(name, 'exponent too large');
      continue;
    }
    cut = i;
    break;
  }
  const amount = s.slice(0, cut), unit = s.slice(cut);
  if (amount === '') b(name, 'no byte amount provided');
  const mult = BYTE_UNITS[unit.replace(/b$/, '')];
  if (mult === undefined || (unit.endsWith('b') && unit.length === 1)) b(name, `byte unit ${unit} not recognized`);
  const d = decimalParts(amount);
  if (!d) return b(name, 'could not parse byte amount to a number');
  const scaled = d.num * mult!;
  const total = d.scale <= 0 ? scaled * 10n ** BigInt(-d.scale) : scaled / 10n ** BigInt(d.scale);
  return total >= BigInt(Number.MIN_SAFE_INTEGER) && total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : total;
}

function scaled(n: string, factor: number | bigint): number {
  if (typeof factor === 'bigint' && /^\d+$/.test(n)) return Number(BigInt(n) * factor);
  const r = Number(n) * Number(factor);
  return Number.isInteger(r) ? r : Number(r.toPrecision(15));
}

function parseUnits(name: string, s: string): number | undefined {
  const raw = s.replace(/"/g, '');
  if (/\s/.test(raw)) b(name, 'spaces not allowed in resource strings');
  const m = /^(-?[0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]+)?)(.*)$/.exec(raw);
  const amount = m?.[1] ?? '';
  if (!/[0-9]/.test(amount)) b(name, 'no amount provided');
  if (!/^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(amount)) b(name, 'could not parse amount to a number');
  const exp = /[eE]([-+]?[0-9]+)$/.exec(amount);
  if (exp && Math.abs(Number(exp[1])) > 1000) b(name, 'exponent too large');
  const unit = m![2]!;
  const bin = BINARY[unit.toLowerCase()];
  if (bin !== undefined) return scaled(amount, bin);
  const f = SI[unit];
  if (f === undefined) return undefined;
  return scaled(amount, f);
}

interface Semver { major: number; minor: number; patch: number; pre: string[]; }
function parseSemver(s: string): Semver | undefined {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/.exec(s);
  if (!m || s.startsWith('v')) return undefined;
  return { major: +m[1]!, minor: +m[2]!, patch: +m[3]!, pre: m[4] ? m[4].split('.') : [] };
}
function cmpSemver(a: Semver, x: Semver): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== x[k]) return a[k] < x[k] ? -1 : 1;
  if (!a.pre.length || !x.pre.length) return a.pre.length === x.pre.length ? 0 : a.pre.length ? -1 : 1;
  for (let i = 0; i < Math.max(a.pre.length, x.pre.length); i++) {
    const p = a.pre[i], q = x.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p), qn = /^\d+$/.test(q);
    if (pn && qn) { if (+p !== +q) return +p < +q ? -1 : 1; }
    else if (pn !== qn) return pn ? -1 : 1;
    else if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

function parseDuration(name: string, s: string): number {
  const unit: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let rest = s, sign = 1, total = 0;
  if (rest.startsWith('-')) { sign = -1; rest = rest.slice(1); } else if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  if (!rest) b(name, `time: invalid duration "${s}"`);
  while (rest) {
    const m = /^([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) b(name, `time: invalid duration "${s}"`);
    total += Number(m![1]) * unit[m![2]!]!;
    rest = rest.slice(m![0].length);
  }
  return sign * total;
}
/** A time argument: nanoseconds, or [nanoseconds, zone] / [nanoseconds, zone, layout]. */
/** Nanoseconds as sent: a double, or (past 2^53) the exact integer the literal wrote. */
function nanos(v: Json): number | bigint | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof RegoNumber) {
    const d = decimalParts(v.text.toLowerCase());
    if (!d) return v.value;
    if (d.scale <= 0) return d.num * 10n ** BigInt(-d.scale);
    const unit = 10n ** BigInt(d.scale);
    // A fraction stays a fraction (NaN is refused as inexact); 1.0 and 17e17 are integers.
    return d.num % unit === 0n ? d.num / unit : Number.NaN;
  }
  return undefined;
}

function nsTz(name: string, v: Json): [number | bigint, string] {
  // OPA reads the timestamp with big.Float.Int64 and refuses anything inexact (a fraction, or beyond int64).
  const whole = (n: number | bigint): number | bigint => {
    if (typeof n === 'number' ? !Number.isInteger(n) || Math.abs(n) > 9.2e18 : n < -(1n << 63n) || n >= 1n << 63n) b(name, 'timestamp too big');
    return n;
  };
  const n = nanos(v);
  if (n !== undefined) return [whole(n), 'UTC'];
  const first = Array.isArray(v) ? nanos(v[0]) : undefined;
  if (Array.isArray(v) && first !== undefined) {
    if (v[1] !== undefined && typeof v[1] !== 'string') t(name, 'time zone must be a string');
    return [whole(first), (v[1] as string | undefined) ?? 'UTC'];
  }
  return t(name, `operand 1 must be one of {number, array} but got ${typeName(v)}`);
}

/** A nanosecond count as returned to the module: exact past 2^53 (a bigint becomes an exact JSON number). */
function exactNs(r: bigint): number | bigint {
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

function civilOf(name: string, v: Json): Civil {
  const [n, tz] = nsTz(name, v);
  return civil(n, tz);
}

function timeGuard(name: string, f: () => Json): Json {
  return guard(name, f, TimeError);
}

function b64decode(name: string, s: string, url: boolean): string {
  const std = url ? s.replace(/-/g, '+').replace(/_/g, '/') : s;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std)) b(name, 'illegal base64 data');
  return Buffer.from(std, 'base64').toString('utf8');
}

/**
 * OPA: the number read as a 64-bit-mantissa big.Float (SetString), truncated to an integer (Float.Int),
 * printed in the base. Long numbers arrive as their text (format_int is SET_TAGGED), so this is exact
 * where OPA is: integers of up to 64 significant bits, and the rounding OPA does beyond.
 */
function fmtInt(name: string, n: unknown, base: unknown): string {
  if (!(typeof n === 'number' || n instanceof RegoNumber)) numArg(name, n, 1);
  if (!(typeof base === 'number' || base instanceof RegoNumber)) numArg(name, base, 2);
  // OPA compares the base's text: 2.0 is not 2.
  const radix = base instanceof RegoNumber ? Number(/^(2|8|10|16)$/.test(base.text) ? base.text : NaN) : base as number;
  if (![2, 8, 10, 16].includes(radix)) b(name, 'operand 2 must be one of {2, 8, 10, 16}');
  return truncated64(n instanceof RegoNumber ? n.text : String(n)).toString(radix);
}

function bitLength(x: bigint): number { return x === 0n ? 0 : x.toString(2).length; }

/** big.Float(64).SetString(text).Int(): round to a 64-bit mantissa (nearest even), then truncate. */
function truncated64(text: string): bigint {
  const d = decimalParts(text);
  if (!d) return 0n;
  const neg = d.num < 0n;
  const mag = neg ? -d.num : d.num;
  if (mag === 0n) return 0n;
  const num = d.scale <= 0 ? mag * 10n ** BigInt(-d.scale) : mag, den = d.scale > 0 ? 10n ** BigInt(d.scale) : 1n;
  const s = 66 - (bitLength(num) - bitLength(den));
  const q = s >= 0 ? (num << BigInt(s)) / den : num / (den << BigInt(-s));
  const rem = s >= 0 ? (num << BigInt(s)) % den : num % (den << BigInt(-s));
  const extra = BigInt(bitLength(q) - 64);
  let m = q >> extra;
  const half = (q >> (extra - 1n)) & 1n, below = q & ((1n << (extra - 1n)) - 1n);
  if (half === 1n && (below !== 0n || rem !== 0n || (m & 1n) === 1n)) m += 1n;
  const shift = extra - BigInt(s);
  const r = shift >= 0n ? m << shift : m >> -shift;
  return neg ? -r : r;
}

export const HOST_BUILTINS: Record<string, HostBuiltin> = {
  'json.is_valid': { arity: 1, fn: (s) => { if (typeof s !== 'string') return false; try { JSON.parse(s); return true; } catch { return false; } } },
  'yaml.is_valid': { arity: 1, fn: (s) => { if (typeof s !== 'string') return false; try { yamlUnmarshal(s); return true; } catch { return false; } } },
  'yaml.unmarshal': { arity: 1, fn: (s) => { try { return yamlUnmarshal(str('yaml.unmarshal', s, 1)); } catch (e) { if (e instanceof HostBuiltinError) throw e; return b('yaml.unmarshal', (e as Error).message); } } },
  'yaml.marshal': { arity: 1, fn: (v) => yamlMarshal(v) },
  // A patch that cannot be applied makes the call undefined (as Regorus and OPA's topdown do).
  'json.patch': { arity: 2, fn: (d, p) => { try { return jsonPatch(d, p); } catch (e) { if (e instanceof FormatError) return undefined; throw e; } } },
  'json.filter': { arity: 2, fn: (d, p) => guard('json.filter', () => jsonSelect(d, p, true)) },
  'json.remove': { arity: 2, fn: (d, p) => guard('json.remove', () => jsonSelect(d, p, false)) },
  // Deprecated in OPA 1.0 but common in older conftest/Gatekeeper policies.
  any: { arity: 1, fn: (c) => { if (!Array.isArray(c)) t('any', `operand 1 must be one of {array, set} but got ${typeName(c)}`); return (c as Json[]).some((x) => x === true); } },
  all: { arity: 1, fn: (c) => { if (!Array.isArray(c)) t('all', `operand 1 must be one of {array, set} but got ${typeName(c)}`); return (c as Json[]).every((x) => x === true); } },
  trace: { arity: 1, fn: (s) => { str('trace', s, 1); return true; } },
  trim: { arity: 2, fn: (s, c) => trimWith(str('trim', s, 1), str('trim', c, 2), true, true) },
  trim_left: { arity: 2, fn: (s, c) => trimWith(str('trim_left', s, 1), str('trim_left', c, 2), true, false) },
  trim_right: { arity: 2, fn: (s, c) => trimWith(str('trim_right', s, 1), str('trim_right', c, 2), false, true) },
  trim_space: { arity: 1, fn: (s) => str('trim_space', s, 1).trim() },
  trim_prefix: { arity: 2, fn: (s, p) => { const x = str('trim_prefix', s, 1), q = str('trim_prefix', p, 2); return x.startsWith(q) ? x.slice(q.length) : x; } },
  trim_suffix: { arity: 2, fn: (s, p) => { const x = str('trim_suffix', s, 1), q = str('trim_suffix', p, 2); return q && x.endsWith(q) ? x.slice(0, x.length - q.length) : x; } },
  'strings.split_n': { arity: 3, fn: (s, d, n) => {
    const parts = cps(str('strings.split_n', s, 1)).join('') === '' ? [''] : splitCp(str('strings.split_n', s, 1), str('strings.split_n', d, 2));
    const k = intArg('strings.split_n', n, 3);
    return k >= 0 ? parts.slice(0, k) : parts.slice(Math.max(0, parts.length + k));
  } },
  'array.flatten': { arity: 1, fn: (a) => {
    if (!Array.isArray(a)) t('array.flatten', `operand 1 must be array but got ${typeName(a)}`);
    return (a as Json[]).flatMap((x) => (Array.isArray(x) ? x : [x]));
  } },
  split: { arity: 2, fn: (s, d) => splitCp(str('split', s, 1), str('split', d, 2)) },
  replace: { arity: 3, fn: (s, o, n) => {
    const text = str('replace', s, 1), old = str('replace', o, 2), rep = str('replace', n, 3);
    // Go's strings.Replacer: an empty old string inserts the replacement at every position, ends included.
    if (old === '') return replaceOnePass('replace', text, [['', rep]]);
    // Counted first (without splitting: a split array of a long string costs more than the string).
    let hits = 0;
    for (let i = text.indexOf(old); i >= 0; i = text.indexOf(old, i + old.length)) hits++;
    reserve('replace', text.length + hits * (rep.length - old.length));
    return hits === 0 ? text : text.replaceAll(old, () => rep);
  } },
  'strings.replace_n': { arity: 2, fn: (m, s) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) t('strings.replace_n', `operand 1 must be object but got ${typeName(m)}`);
    const pairs = Object.entries(m as Record<string, Json>).map(([k, v]): [string, string] => {
      if (typeof v !== 'string') t('strings.replace_n', 'operand 1 non-string value found in pattern object');
      return [k, v as string];
    });
    return replaceOnePass('strings.replace_n', str('strings.replace_n', s, 2), pairs);
  } },
  substring: { arity: 3, fn: (s, st, l) => {
    const c = cps(str('substring', s, 1));
    const start = intArg('substring', st, 2), len = intArg('substring', l, 3);
    if (start < 0) b('substring', 'negative offset');
    if (start >= c.length) return '';
    return (len < 0 ? c.slice(start) : c.slice(start, start + len)).join('');
  } },
  indexof: { arity: 2, fn: (s, x) => {
    const hay = str('indexof', s, 1), needle = str('indexof', x, 2);
    // OPA refuses an empty needle rather than answering 0 as Go's strings.Index would.
    if (!needle) b('indexof', 'empty search character');
    const i = hay.indexOf(needle);
    return i < 0 ? -1 : cps(hay.slice(0, i)).length;
  } },
  indexof_n: { arity: 2, fn: (s, x) => {
    const hay = str('indexof_n', s, 1), needle = str('indexof_n', x, 2);
    if (!needle) b('indexof_n', 'empty search character');
    const out: number[] = [];
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) out.push(cps(hay.slice(0, i)).length);
    return out;
  } },
  format_int: { arity: 2, fn: (n, base) => fmtInt('format_int', n, base) },
  'strings.reverse': { arity: 1, fn: (s) => cps(str('strings.reverse', s, 1)).reverse().join('') },
  'strings.count': { arity: 2, fn: (s, x) => {
    const hay = str('strings.count', s, 1), needle = str('strings.count', x, 2);
    if (!needle) return cps(hay).length + 1;
    return hay.split(needle).length - 1;
  } },
  'strings.any_prefix_match': { arity: 2, fn: (s, p) => strs('strings.any_prefix_match', s, 1).some((x) => strs('strings.any_prefix_match', p, 2).some((q) => x.startsWith(q))) },
  'strings.any_suffix_match': { arity: 2, fn: (s, p) => strs('strings.any_suffix_match', s, 1).some((x) => strs('strings.any_suffix_match', p, 2).some((q) => x.endsWith(q))) },
  'units.parse': { arity: 1, fn: (s) => parseUnits('units.parse', str('units.parse', s, 1)) },
  'units.parse_bytes': { arity: 1, fn: (s) => parseBytes('units.parse_bytes', str('units.parse_bytes', s, 1)) },
  'semver.is_valid': { arity: 1, fn: (s) => typeof s === 'string' && parseSemver(s) !== undefined },
  'semver.compare': { arity: 2, fn: (x, y) => {
    const a = parseSemver(str('semver.compare', x, 1)), c = parseSemver(str('semver.compare', y, 2));
    if (!a) b('semver.compare', `operand 1: string "${String(x)}" is not a valid SemVer`);
    if (!c) b('semver.compare', `operand 2: string "${String(y)}" is not a valid SemVer`);
    return cmpSemver(a!, c!);
  } },
  'base64.encode': { arity: 1, fn: (s) => Buffer.from(str('base64.encode', s, 1), 'utf8').toString('base64') },
  'base64.decode': { arity: 1, fn: (s) => b64decode('base64.decode', str('base64.decode', s, 1), false) },
  'base64.is_valid': { arity: 1, fn: (s) => typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 },
  'base64url.encode': { arity: 1, fn: (s) => Buffer.from(str('base64url.encode', s, 1), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_') },
  'base64url.encode_no_pad': { arity: 1, fn: (s) => Buffer.from(str('base64url.encode_no_pad', s, 1), 'utf8').toString('base64url') },
  'base64url.decode': { arity: 1, fn: (s) => b64decode('base64url.decode', str('base64url.decode', s, 1), true) },
  'hex.encode': { arity: 1, fn: (s) => Buffer.from(str('hex.encode', s, 1), 'utf8').toString('hex') },
  'hex.decode': { arity: 1, fn: (s) => Buffer.from(hexText(str('hex.decode', s, 1)), 'hex').toString('utf8') },
  // Random values are stable for the same arguments within a process, like OPA's per-query cache.
  'rand.intn': { arity: 2, fn: (k, n) => {
    const key = `${str('rand.intn', k, 1)}\u0000${intArg('rand.intn', n, 2)}`;
    const lim = Math.abs(n as number);
    if (lim === 0) return 0;
    let v = RANDOM.get(key);
    if (v === undefined) { v = Math.floor(Math.random() * lim); RANDOM.set(key, v); }
    return v;
  } },
  'uuid.rfc4122': { arity: 1, fn: (k) => {
    const key = `uuid\u0000${str('uuid.rfc4122', k, 1)}`;
    let v = UUIDS.get(key);
    if (v === undefined) { v = randomUUID(); UUIDS.set(key, v); }
    return v;
  } },
  'uuid.parse': { arity: 1, fn: (s) => parseUuid(str('uuid.parse', s, 1)) },
  // One value per synchronous evaluation: OPA fixes "now" for the whole query.
  'time.now_ns': { arity: 0, fn: () => {
    if (NOW === undefined) { NOW = exactNs(BigInt(Date.now()) * 1_000_000n); queueMicrotask(() => { NOW = undefined; }); }
    return NOW;
  } },
  'time.parse_rfc3339_ns': { arity: 1, fn: (s) => {
    const x = str('time.parse_rfc3339_ns', s, 1);
    const d = Date.parse(x);
    if (Number.isNaN(d) || !/^\d{4}-\d{2}-\d{2}T/.test(x)) b('time.parse_rfc3339_ns', `parsing time "${x}" as RFC3339 failed`);
    const frac = /\.(\d+)/.exec(x)?.[1] ?? '';
    const r = BigInt(Math.floor(d / 1000)) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
    // Nanoseconds since the epoch must fit an int64 (years 1677-2262).
    if (r < -(1n << 63n) || r >= 1n << 63n) b('time.parse_rfc3339_ns', `time outside of valid range: ${x}`);
    return exactNs(r);
  } },
  'time.parse_duration_ns': { arity: 1, fn: (s) => parseDuration('time.parse_duration_ns', str('time.parse_duration_ns', s, 1)) },
  'time.date': { arity: 1, fn: (x) => timeGuard('time.date', () => { const c = civilOf('time.date', x); return [c.year, c.month, c.day]; }) },
  'time.clock': { arity: 1, fn: (x) => timeGuard('time.clock', () => { const c = civilOf('time.clock', x); return [c.hour, c.minute, c.second]; }) },
  'time.weekday': { arity: 1, fn: (x) => timeGuard('time.weekday', () => ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][civilOf('time.weekday', x).weekday]) },
  'time.format': { arity: 1, fn: (x) => timeGuard('time.format', () => {
    const layout = Array.isArray(x) && x.length > 2 ? str('time.format', x[2], 1) : RFC3339_NANO;
    return formatLayout(civilOf('time.format', x), Object.hasOwn(NAMED_LAYOUTS, layout) ? NAMED_LAYOUTS[layout]! : layout);
  }) },
  'time.parse_ns': { arity: 2, fn: (l, v) => timeGuard('time.parse_ns', () => parseLayout(str('time.parse_ns', l, 1), str('time.parse_ns', v, 2))) },
  'time.diff': { arity: 2, fn: (x, y) => timeGuard('time.diff', () => {
    const [n1, z1] = nsTz('time.diff', x), [n2, z2] = nsTz('time.diff', y);
    return diff(n1, n2, z1, z2);
  }) },
  'time.add_date': { arity: 4, fn: (x, y, m, d) => {
    const raw = nanos(x) ?? numArg('time.add_date', x, 1);
    if (typeof raw === 'number' && !Number.isInteger(raw)) return undefined;
    const n = BigInt(raw);
    const subMs = ((n % 1_000_000n) + 1_000_000n) % 1_000_000n;
    const base = new Date(Number((n - subMs) / 1_000_000n));
    base.setUTCFullYear(base.getUTCFullYear() + intArg('time.add_date', y, 2), base.getUTCMonth() + intArg('time.add_date', m, 3), base.getUTCDate() + intArg('time.add_date', d, 4));
    if (Number.isNaN(base.getTime())) return undefined;
    const r = BigInt(base.getTime()) * 1_000_000n + subMs;
    // Results must stay within int64 nanoseconds; beyond that the call is undefined.
    return r >= -(1n << 63n) && r < 1n << 63n ? exactNs(r) : undefined;
  } },
  ...NAMESPACED_BUILTINS,
};

/**
 * Go's strings.NewReplacer as OPA uses it: keys sorted, one left-to-right pass, replaced text never
 * re-scanned; at a position the first key (in sorted order) that matches wins, and an empty key
 * inserts its replacement at every position (once per position).
 */
function replaceOnePass(name: string, s: string, pairs: Array<[string, string]>): string {
  pairs.sort(([x], [y]) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  const empty = pairs.find(([k]) => k === '');
  const keyed = pairs.filter(([k]) => k !== '');
  let out = '';
  for (let i = 0; i <= s.length;) {
    // Each step adds at most one replacement and one code point: check before the string outgrows the budget.
    if (out.length > HOST_RESULT_LIMIT) reserve(name, out.length);
    if (empty) out += empty[1];
    const hit = keyed.find(([k]) => s.startsWith(k, i));
    if (hit) { out += hit[1]; i += hit[0].length; continue; }
    if (i === s.length) break;
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    out += s.slice(i, i + width);
    i += width;
  }
  return out;
}

/** Go's strings.Split: an empty separator splits into code points. */
function splitCp(s: string, d: string): string[] {
  return d === '' ? cps(s) : s.split(d);
}

/** A helper's own error (bad format, bad time) becomes the builtin's error; anything else is a bug. */
function guard(name: string, f: () => Json, expected: new (...args: never[]) => Error = FormatError): Json {
  try {
    return f();
  } catch (e) {
    if (e instanceof expected) return b(name, e.message);
    throw e;
  }
}

function trimWith(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set(cps(cutset));
  const c = cps(s);
  let i = 0, j = c.length;
  if (left) while (i < j && set.has(c[i]!)) i++;
  if (right) while (j > i && set.has(c[j - 1]!)) j--;
  return c.slice(i, j).join('');
}

/**
 * opa-wasm JSON.stringify()s results, which prints integers beyond 2^53 rounded
 * (11529215046068469760 -> 11529215046068470000). Handing it the JSON text as an ArrayBuffer
 * keeps every integer-valued double exact.
 */
/** 100-ns intervals between the Gregorian epoch of RFC 4122 timestamps (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET = 0x01b21dd213814000n;

/**
 * OPA's uuid.parse: version and variant, plus what the version encodes (v1/v2: time, clock sequence,
 * node; v2: DCE domain and id; v6: time; v7: time). Accepts the forms Go's uuid.Parse accepts;
 * anything else is undefined.
 */
function parseUuid(text: string): Record<string, unknown> | undefined {
  let hex: string;
  if (text.length === 36) hex = text;
  else if (text.length === 38 && text.startsWith('{') && text.endsWith('}')) hex = text.slice(1, -1);
  else if (text.length === 45 && text.toLowerCase().startsWith('urn:uuid:')) hex = text.slice(9);
  else if (text.length === 32) hex = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  else return undefined;
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  const b = Buffer.from(hex.replace(/-/g, ''), 'hex');
  const version = b[6]! >> 4;
  const v8 = b[8]!;
  const variant = (v8 & 0xc0) === 0x80 ? 'RFC4122' : (v8 & 0xe0) === 0xc0 ? 'Microsoft' : (v8 & 0xe0) === 0xe0 ? 'Future' : 'Reserved';
  const out: Record<string, unknown> = { version, variant };
  const u = (from: number, to: number): bigint => BigInt(`0x${b.subarray(from, to).toString('hex')}`);
  if (version === 1 || version === 2) {
    const intervals = ((u(6, 8) & 0x0fffn) << 48n) | (u(4, 6) << 32n) | u(0, 4);
    out.time = (intervals - GREGORIAN_OFFSET) * 100n;
    out.clocksequence = ((v8 & 0x3f) << 8) | b[9]!;
    out.nodeid = [...b.subarray(10, 16)].map((x) => x.toString(16).padStart(2, '0')).join('-');
    out.macvariables = `${b[10]! & 0x02 ? 'local' : 'global'}:${b[10]! & 0x01 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      const domains = ['Person', 'Group', 'Org'];
      out.domain = domains[b[9]!] ?? `Domain${b[9]}`;
      out.id = Number(u(0, 4));
    }
  } else if (version === 6) {
    const intervals = (u(0, 4) << 28n) | (u(4, 6) << 12n) | (u(6, 8) & 0x0fffn);
    out.time = (intervals - GREGORIAN_OFFSET) * 100n;
  } else if (version === 7) {
    out.time = u(0, 6) * 1_000_000n;
  }
  return out;
}

function exactJson(v: unknown): unknown {
  if (v === undefined) return undefined;
  let big = false;
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'number' && Number.isInteger(x) && Math.abs(x) > Number.MAX_SAFE_INTEGER) { big = true; return `\u0000${BigInt(x).toString()}\u0000`; }
    // Exact integers beyond doubles (nanosecond timestamps) are computed as bigint.
    if (typeof x === 'bigint') { big = true; return `\u0000${x.toString()}\u0000`; }
    return x;
  });
  if (!big) return v;
  const exact = text.replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
  return new TextEncoder().encode(exact).buffer;
}

/**
 * The customBuiltins object for loadPolicy(). In strict mode argument errors throw (the
 * evaluation fails); otherwise they make the call undefined, as OPA does by default.
 */
/** Go's hex.DecodeString checks (Buffer.from stops silently at the first bad pair). */
function hexText(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const isHex = (x: number): boolean => (x >= 48 && x <= 57) || (x >= 65 && x <= 70) || (x >= 97 && x <= 102);
  // Go's %#U: the code point, then the character when it is printable.
  const bad = (x: number): never => builtinError('hex.decode', `encoding/hex: invalid byte: U+${x.toString(16).toUpperCase().padStart(4, '0')}${x >= 0x20 && x !== 0x7f && (x < 0x80 || x >= 0xa0) ? ` '${String.fromCharCode(x)}'` : ''}`);
  const even = bytes.length - (bytes.length % 2);
  for (let i = 0; i < even; i++) if (!isHex(bytes[i]!)) bad(bytes[i]!);
  if (bytes.length % 2 === 1) {
    if (!isHex(bytes[bytes.length - 1]!)) bad(bytes[bytes.length - 1]!);
    builtinError('hex.decode', 'encoding/hex: odd length hex string');
  }
  return s;
}

export function hostBuiltins(opts: { strict?: boolean; files?: FileAccess } = {}): Record<string, (...args: unknown[]) => unknown> {
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  const bound = fileBuiltins(opts.files);
  for (const [name, h] of Object.entries(HOST_BUILTINS)) {
    const tagged = SET_TAGGED.has(name);
    const fn = Object.hasOwn(bound, name) ? bound[name]! : h.fn;
    out[name] = out[HOST_ALIAS_PREFIX_LOCAL + name] = (...args: unknown[]) => {
      try {
        const r = tagged ? encodeSets(fn(...args.map(decodeSets))) : fn(...args);
        if (r !== null && typeof r === 'object' || typeof r === 'string' && r.length > 4096) {
          const size = resultSize(r);
          if (size > HOST_RESULT_LIMIT) throw new HostMemoryLimitError(name, size);
        }
        return exactJson(r);
      } catch (e) {
        // A resource error ends the evaluation in every mode, as the module's own memory limit does.
        if (isHostAllocationFailure(e)) throw new HostMemoryLimitError(name, HOST_RESULT_LIMIT + 1);
        if (opts.strict || !(e instanceof HostBuiltinError)) throw e;
        return undefined;
      }
    };
  }
  // Reached only when a program that mocks them somewhere calls them outside the mock: an error in every mode.
  for (const name of Object.keys(MOCK_ONLY_BUILTINS)) {
    out[name] = (...args: unknown[]) => {
      // OPA checks http.send's request before any I/O: a request that fails the checks fails with OPA's error.
      const failure = name === 'http.send' ? httpSendRequestFailure(args[0]) : undefined;
      if (failure) {
        if (opts.strict) throw new RegoError(failure.code, failure.message);
        return undefined;
      }
      throw new RegoError('eval_builtin_error', `${name}: not supported by meshguard: ${UNSUPPORTED_BUILTINS[name] ?? 'no I/O'}; only a \`with ${name} as ...\` mock can answer it`);
    };
  }
  // print() lines, as text (opa-wasm's own opa_println mangles anything but ASCII).
  out[PRINT_HOST] = (line: unknown) => { console.log(String(line)); return undefined; };
  return out;
}
