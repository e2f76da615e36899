// Builtins whose meaning depends on the difference between sets and arrays, which the host never
// sees (host builtins receive JSON, where a set is an array): they run in the module.
import { numOfText } from "./bigint";
import { V, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_OBJ, K_SET, vBool, vArr, vSet, vObj, vStr, setAdd, setHas, objGet, objPut, equal, typeName } from "./value";

export const EXTRA_NAMES: Array<string> = ["object.subset", "set_diff", "cast_array", "cast_set", "cast_string", "cast_boolean", "cast_null", "cast_object"];

/** Host builtins whose result is a set: the host returns it as a JSON array. */
const SET_RESULTS: Array<string> = ["graph.reachable", "graph.reachable_paths", "net.cidr_expand", "net.cidr_merge", "net.cidr_contains_matches"];

// Host builtins that address set members by value (OPA's json.filter / json.remove / json.patch walk
// into sets): their arguments carry each set as {"\u0000set": [members]} and so do their results.
// The key cannot come from a policy's JSON by accident: it starts with a NUL character. Keep in sync
// with SET_TAGGED in src/rego/builtins/sets.ts.
const SET_TAGGED: Array<string> = ["json.filter", "json.remove", "json.patch",
  // Nanosecond timestamps exceed 2^53: these need the exact number (its text) to get the fraction right.
  "time.format", "time.date", "time.clock", "time.weekday", "time.diff", "time.add_date",
  // Bounds and steps past 2^53 (OPA: big.Int) must arrive exactly.
  "numbers.range_step", "format_int"];
const SET_TAG = "\u0000set";
// Numbers whose literal text a double would not keep (1.0, 1e3, 12345678901234567890) travel as
// {"\u0000num": "text"} to the same builtins, so an index written 1.0 stays a non-integer as in OPA
// and big numbers in a patched document come back unchanged.
const NUM_TAG = "\u0000num";

function plainInt(t: string): bool {
  if (t.length == 0 || t.length > 15) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!(c >= 48 && c <= 57) && !(i == 0 && c == 45)) return false;
  }
  return true;
}

export function setTagged(name: string): bool { return SET_TAGGED.includes(name); }

/** `v` with every set replaced by its tagged object; `v` itself when it holds no set. */
export function tagSets(v: V): V {
  if (v.kind == K_NUM) {
    if (v.t.length == 0 || plainInt(v.t)) return v;
    const o = vObj();
    objPut(o, vStr(NUM_TAG), vStr(v.t));
    return o;
  }
  if (v.kind == K_SET) {
    const items = new Array<V>(v.a.length);
    for (let i = 0; i < v.a.length; i++) items[i] = tagSets(v.a[i]);
    const o = vObj();
    objPut(o, vStr(SET_TAG), vArr(items));
    return o;
  }
  if (v.kind == K_ARR) {
    let out: Array<V> | null = null;
    for (let i = 0; i < v.a.length; i++) {
      const t = tagSets(v.a[i]);
      if (out == null && t != v.a[i]) out = v.a.slice(0, i);
      if (out != null) out.push(t);
    }
    return out == null ? v : vArr(out);
  }
  if (v.kind == K_OBJ) {
    let out: V | null = null;
    for (let i = 0; i < v.o.length; i++) {
      const t = tagSets(v.o[i]);
      if (out == null && t != v.o[i]) { out = vObj(); for (let j = 0; j < i; j++) objPut(out, v.a[j], v.o[j]); }
      if (out != null) objPut(out, v.a[i], t);
    }
    return out == null ? v : out;
  }
  return v;
}

/** The inverse of tagSets on a host result. */
export function untagSets(v: V): V {
  if (v.kind == K_OBJ) {
    if (v.a.length == 1 && v.a[0].kind == K_STR && v.a[0].t == SET_TAG && v.o[0].kind == K_ARR) {
      const s = vSet();
      const items = v.o[0].a;
      for (let i = 0; i < items.length; i++) setAdd(s, untagSets(items[i]));
      return s;
    }
    if (v.a.length == 1 && v.a[0].kind == K_STR && v.a[0].t == NUM_TAG && v.o[0].kind == K_STR) return numOfText(v.o[0].t);
    let out: V | null = null;
    for (let i = 0; i < v.o.length; i++) {
      const t = untagSets(v.o[i]);
      if (out == null && t != v.o[i]) { out = vObj(); for (let j = 0; j < i; j++) objPut(out, v.a[j], v.o[j]); }
      if (out != null) objPut(out, v.a[i], t);
    }
    return out == null ? v : out;
  }
  if (v.kind == K_ARR) {
    let out: Array<V> | null = null;
    for (let i = 0; i < v.a.length; i++) {
      const t = untagSets(v.a[i]);
      if (out == null && t != v.a[i]) out = v.a.slice(0, i);
      if (out != null) out.push(t);
    }
    return out == null ? v : vArr(out);
  }
  return v;
}

export function hostResultAsSet(name: string, r: V): V {
  if (r.kind != K_ARR || !SET_RESULTS.includes(name)) return r;
  const s = vSet();
  for (let i = 0; i < r.a.length; i++) setAdd(s, r.a[i]);
  return s;
}

function setSubset(sup: V, sub: V): bool {
  for (let i = 0; i < sub.a.length; i++) if (!setHas(sup, sub.a[i])) return false;
  return true;
}

// Objects recurse, sets compare as sets, anything else must be equal (OPA's object.subset).
function objectSubset(sup: V, sub: V): bool {
  for (let i = 0; i < sub.a.length; i++) {
    const sv = objGet(sup, sub.a[i]);
    if (sv == null) return false;
    const v = sub.o[i];
    if (sv.kind == K_OBJ && v.kind == K_OBJ) { if (!objectSubset(sv, v)) return false; }
    else if (sv.kind == K_SET && v.kind == K_SET) { if (!setSubset(sv, v)) return false; }
    // Nested arrays compare as at the top level: a contiguous run (OPA's case `subset/nested object subset 3`).
    else if (sv.kind == K_ARR && v.kind == K_ARR) { if (!arraySubset(sv, v)) return false; }
    else if (!equal(sv, v)) return false;
  }
  return true;
}

// `sub` appears contiguously, in order, within `sup`.
function arraySubset(sup: V, sub: V): bool {
  if (sub.a.length == 0) return true;
  for (let s = 0; s + sub.a.length <= sup.a.length; s++) {
    let ok = true;
    for (let j = 0; j < sub.a.length && ok; j++) ok = equal(sup.a[s + j], sub.a[j]);
    if (ok) return true;
  }
  return false;
}

/** Returns null with `err` set when the arguments have the wrong types. */
export let extraError = "";

export function callExtra(k: i32, a: V, b: V): V | null {
  extraError = "";
  if (k == 0) {
    if (a.kind == K_OBJ && b.kind == K_OBJ) return vBool(objectSubset(a, b));
    if (a.kind == K_SET && b.kind == K_SET) return vBool(setSubset(a, b));
    if (a.kind == K_ARR && b.kind == K_ARR) return vBool(arraySubset(a, b));
    if (a.kind == K_ARR && b.kind == K_SET) {
      for (let i = 0; i < b.a.length; i++) {
        let found = false;
        for (let j = 0; j < a.a.length && !found; j++) found = equal(a.a[j], b.a[i]);
        if (!found) return vBool(false);
      }
      return vBool(true);
    }
    extraError = "both arguments must be objects, sets, or arrays (or an array and a set), got " + typeName(a) + " and " + typeName(b);
    return null;
  }
  if (k == 1) {
    if (a.kind != K_SET) { extraError = "operand 1 must be set but got " + typeName(a); return null; }
    if (b.kind != K_SET) { extraError = "operand 2 must be set but got " + typeName(b); return null; }
    const r = vSet();
    for (let i = 0; i < a.a.length; i++) if (!setHas(b, a.a[i])) r.a.push(a.a[i]);
    return r;
  }
  if (k == 2) {
    if (a.kind == K_ARR) return a;
    if (a.kind == K_SET) return vArr(a.a.slice(0));
    extraError = "operand 1 must be one of {array, set} but got " + typeName(a);
    return null;
  }
  if (k == 3) {
    if (a.kind == K_SET) return a;
    if (a.kind == K_ARR) { const r = vSet(); for (let i = 0; i < a.a.length; i++) setAdd(r, a.a[i]); return r; }
    extraError = "operand 1 must be one of {array, set} but got " + typeName(a);
    return null;
  }
  const want = k == 4 ? K_STR : (k == 5 ? K_BOOL : (k == 6 ? K_NULL : K_OBJ));
  if (a.kind == want) return a;
  extraError = "operand 1 must be " + (k == 4 ? "string" : (k == 5 ? "boolean" : (k == 6 ? "null" : "object"))) + " but got " + typeName(a);
  return null;
}

/**
 * Argument checks the host cannot make because JSON hides the difference (a non-string object key
 * arrives as its JSON text). Returns the type error's message, or "" when the arguments are fine.
 */
export function hostPrecheck(name: string, args: Array<V>): string {
  if (name == "strings.replace_n" && args.length > 0 && args[0].kind == K_OBJ) {
    const o = args[0];
    for (let i = 0; i < o.a.length; i++) {
      if (o.a[i].kind != K_STR) return "operand 1 non-string key found in pattern object";
      if (o.o[i].kind != K_STR) return "operand 1 non-string value found in pattern object";
    }
  }
  return "";
}
