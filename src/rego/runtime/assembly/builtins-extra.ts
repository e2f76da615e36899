// Builtins whose meaning depends on the difference between sets and arrays, which the host never
// sees (host builtins receive JSON, where a set is an array): they run in the module.
import { V, K_NULL, K_BOOL, K_STR, K_ARR, K_OBJ, K_SET, vBool, vArr, vSet, setAdd, setHas, objGet, equal, typeName } from "./value";

export const EXTRA_NAMES: Array<string> = ["object.subset", "set_diff", "cast_array", "cast_set", "cast_string", "cast_boolean", "cast_null", "cast_object"];

/** Host builtins whose result is a set: the host returns it as a JSON array. */
const SET_RESULTS: Array<string> = ["graph.reachable", "graph.reachable_paths", "net.cidr_expand", "net.cidr_merge", "net.cidr_contains_matches"];

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
