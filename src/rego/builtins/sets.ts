// Sets as a few host builtins see them. Host builtins receive JSON, where a set is an array; the
// builtins that address set members by value (OPA's json.filter / json.remove / json.patch), and the
// time builtins that need nanoseconds beyond 2^53 exactly, get each set and long number tagged instead, as {"\u0000set": [members]} (runtime/assembly/builtins-extra.ts, SET_TAGGED),
// decoded here into RegoSet and encoded back into the tag on the way out.
import type { Json } from './args.js';

export const SET_TAGGED = new Set(['json.filter', 'json.remove', 'json.patch',
  'time.format', 'time.date', 'time.clock', 'time.weekday', 'time.diff', 'time.add_date', 'numbers.range_step', 'format_int']);
const SET_TAG = '\u0000set';
const NUM_TAG = '\u0000num';

export class RegoSet {
  constructor(readonly items: Json[]) {}
}

/** A number whose literal text a double would not keep (1.0, 1e3, or beyond 2^53): kept as text. */
export class RegoNumber {
  constructor(readonly text: string) {}
  get value(): number { return Number(this.text); }
}

/** Canonical text of a value: equal Rego values (objects in any key order, sets in any order) share it. */
export function canon(v: Json): string {
  if (v instanceof RegoNumber) return canonNumber(v.text);
  if (typeof v === 'number') return canonNumber(String(v));
  if (v instanceof RegoSet) return `\u0000{${v.items.map(canon).sort().join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, Json>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Equal numbers (1, 1.0, 1e0) share one text: exact for integers of any size, doubles otherwise. */
function canonNumber(t: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(t);
  if (m) {
    const digits = (m[2]! + (m[3] ?? '')).replace(/^0+/, '');
    const exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
    if (digits === '') return '0';
    const trimmed = digits.replace(/0+$/, '');
    const e = exp + (digits.length - trimmed.length);
    if (e >= 0 && e < 400) return m[1] + trimmed + '0'.repeat(e);
  }
  return JSON.stringify(Number(t));
}

export function sameValue(a: Json, b: Json): boolean { return canon(a) === canon(b); }

// Both walks return the value itself when nothing below it changes: documents without sets or long
// numbers (most of them) cost a walk, not a copy.
export function decodeSets(v: Json): Json {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, Json>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === SET_TAG && Array.isArray(o[SET_TAG])) return new RegoSet((o[SET_TAG] as Json[]).map(decodeSets));
    if (keys.length === 1 && keys[0] === NUM_TAG && typeof o[NUM_TAG] === 'string') return new RegoNumber(o[NUM_TAG]);
  }
  return mapChildren(v, decodeSets);
}

export function encodeSets(v: Json): Json {
  if (v instanceof RegoNumber) return { [NUM_TAG]: v.text };
  if (v instanceof RegoSet) {
    // Members made equal by an edit collapse into one, as in a Rego set.
    const seen = new Map<string, Json>();
    for (const x of v.items) seen.set(canon(x), encodeSets(x));
    return { [SET_TAG]: [...seen.values()] };
  }
  return mapChildren(v, encodeSets);
}

/** An array or plain object with `f` applied to each member, copied only when a member changes. */
function mapChildren(v: Json, f: (member: Json) => Json): Json {
  if (Array.isArray(v)) {
    let out: Json[] | undefined;
    v.forEach((x, i) => { const d = f(x); if (d !== x && !out) out = v.slice(0, i); if (out) out.push(d); });
    return out ?? v;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof RegoSet) && !(v instanceof RegoNumber)) {
    const o = v as Record<string, Json>;
    let out: Record<string, Json> | undefined;
    for (const k of Object.keys(o)) {
      const d = f(o[k]);
      if (d !== o[k] && !out) out = { ...o };
      if (out) out[k] = d;
    }
    return out ?? v;
  }
  return v;
}
