// Builtins implemented inside the module. Anything not listed here is either a host builtin (the
// linker lists it in builtins() and the TypeScript side implements it) or a compile error.
import {
  V, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_OBJ, K_SET, vNull, vBool, vNum, vStr, vArr, vObj, vSet,
  objPut, objGet, setAdd, setHas, equal, compare, objCopy, typeName, isInt, setCopy,
} from "./value";
import { cstr, dump, parseJSON } from "./json";

@external("env", "opa_abort") declare function opa_abort(addr: usize): void;
@external("env", "opa_builtin0") declare function opa_builtin0(id: i32, ctx: i32): usize;
@external("env", "opa_builtin1") declare function opa_builtin1(id: i32, ctx: i32, a: usize): usize;
@external("env", "opa_builtin2") declare function opa_builtin2(id: i32, ctx: i32, a: usize, b: usize): usize;
@external("env", "opa_builtin3") declare function opa_builtin3(id: i32, ctx: i32, a: usize, b: usize, c: usize): usize;
@external("env", "opa_builtin4") declare function opa_builtin4(id: i32, ctx: i32, a: usize, b: usize, c: usize, d: usize): usize;

export function fail(msg: string): void {
  opa_abort(cstr(msg));
  unreachable();
}

export let strict = false;
export function setStrict(s: bool): void { strict = s; }
export let hostNames: Array<string> = [];

// A builtin given arguments of the wrong type is undefined (OPA's default), or an error in strict mode.
function terr(name: string, loc: string, msg: string): V | null {
  if (strict) fail((loc.length > 0 ? loc + ": " : "") + "eval_type_error: " + name + ": " + msg);
  return null;
}
function berr(name: string, loc: string, msg: string): V | null {
  if (strict) fail((loc.length > 0 ? loc + ": " : "") + "eval_builtin_error: " + name + ": " + msg);
  return null;
}

function host(name: string, args: Array<V>): V | null {
  const id = hostNames.indexOf(name);
  if (id < 0) { fail("internal_error: unknown builtin " + name); return null; }
  let r: usize = 0;
  const p = new Array<usize>(4);
  for (let i = 0; i < args.length && i < 4; i++) p[i] = changetype<usize>(args[i]);
  switch (args.length) {
    case 0: r = opa_builtin0(id, 0); break;
    case 1: r = opa_builtin1(id, 0, p[0]); break;
    case 2: r = opa_builtin2(id, 0, p[0], p[1]); break;
    case 3: r = opa_builtin3(id, 0, p[0], p[1], p[2]); break;
    default: r = opa_builtin4(id, 0, p[0], p[1], p[2], p[3]);
  }
  return r == 0 ? null : changetype<V>(r);
}

function num(a: V): bool { return a.kind == K_NUM; }

function cpCount(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function arith(name: string, a: V, b: V, loc: string): V | null {
  if (!num(a) || !num(b)) {
    if (name == "minus" && a.kind == K_SET && b.kind == K_SET) {
      const r = vSet();
      for (let i = 0; i < a.a.length; i++) if (!setHas(b, a.a[i])) r.a.push(a.a[i]);
      return r;
    }
    return terr(name, loc, "operand must be number");
  }
  if (name == "plus") return vNum(a.n + b.n);
  if (name == "minus") return vNum(a.n - b.n);
  if (name == "mul") return vNum(a.n * b.n);
  if (name == "div") {
    if (b.n == 0) { fail((loc.length > 0 ? loc + ": " : "") + "eval_builtin_error: div: divide by zero"); return null; }
    return vNum(a.n / b.n);
  }
  // rem
  if (!isInt(a) || !isInt(b)) return berr(name, loc, "modulo on floating-point number");
  if (b.n == 0) { fail((loc.length > 0 ? loc + ": " : "") + "eval_builtin_error: rem: modulo by zero"); return null; }
  return vNum(<f64>(<i64>a.n % <i64>b.n));
}

function coll(v: V): bool { return v.kind == K_ARR || v.kind == K_SET; }

function aggregate(name: string, a: V, loc: string): V | null {
  if (name == "count") {
    if (a.kind == K_STR) return vNum(<f64>cpCount(a.t));
    if (a.kind == K_ARR || a.kind == K_SET || a.kind == K_OBJ) return vNum(<f64>a.a.length);
    return terr(name, loc, "operand 1 must be one of {array, object, set, string} but got " + typeName(a));
  }
  if (!coll(a)) return terr(name, loc, "operand 1 must be one of {array, set} but got " + typeName(a));
  if (name == "sort") {
    const xs = a.a.slice(0);
    xs.sort((x: V, y: V): i32 => compare(x, y));
    return vArr(xs);
  }
  if (name == "max" || name == "min") {
    if (a.a.length == 0) return null;
    let best = a.a[0];
    for (let i = 1; i < a.a.length; i++) {
      const c = compare(a.a[i], best);
      if ((name == "max" && c > 0) || (name == "min" && c < 0)) best = a.a[i];
    }
    return best;
  }
  let acc: f64 = name == "sum" ? 0 : 1;
  for (let i = 0; i < a.a.length; i++) {
    const x = a.a[i];
    if (!num(x)) return terr(name, loc, "operand 1 must be array of numbers");
    acc = name == "sum" ? acc + x.n : acc * x.n;
  }
  return vNum(acc);
}

function member(x: V, c: V): bool {
  if (c.kind == K_SET) return setHas(c, x);
  if (c.kind == K_ARR || c.kind == K_OBJ) {
    const xs = c.kind == K_ARR ? c.a : c.o;
    for (let i = 0; i < xs.length; i++) if (equal(xs[i], x)) return true;
  }
  return false;
}

function walkInto(path: Array<V>, v: V, out: Array<V>): void {
  out.push(vArr([vArr(path.slice(0)), v]));
  if (v.kind == K_ARR || v.kind == K_OBJ || v.kind == K_SET) {
    for (let i = 0; i < v.a.length; i++) {
      path.push(v.kind == K_ARR ? vNum(<f64>i) : v.a[i]);
      walkInto(path, v.kind == K_OBJ ? v.o[i] : v.a[i], out);
      path.pop();
    }
  }
}

function unionObj(a: V, b: V): V {
  const r = objCopy(a);
  for (let i = 0; i < b.a.length; i++) {
    const prev = objGet(a, b.a[i]);
    const bv = b.o[i];
    objPut(r, b.a[i], prev != null && prev.kind == K_OBJ && bv.kind == K_OBJ ? unionObj(prev, bv) : bv);
  }
  return r;
}

function keySet(v: V): V | null {
  if (v.kind == K_SET) return v;
  const r = vSet();
  if (v.kind == K_ARR) { for (let i = 0; i < v.a.length; i++) setAdd(r, v.a[i]); return r; }
  if (v.kind == K_OBJ) { for (let i = 0; i < v.a.length; i++) setAdd(r, v.a[i]); return r; }
  return null;
}

function toNumber(a: V, loc: string): V | null {
  if (a.kind == K_NUM) return a;
  if (a.kind == K_NULL) return vNum(0);
  if (a.kind == K_BOOL) return vNum(a.b ? 1 : 0);
  if (a.kind == K_STR) {
    const s = a.t;
    let ok = s.length > 0;
    for (let i = 0; i < s.length && ok; i++) {
      const c = s.charCodeAt(i);
      ok = (c >= 48 && c <= 57) || c == 46 || c == 45 || c == 43 || c == 101 || c == 69;
    }
    const n = parseFloat(s);
    if (!ok || isNaN(n)) return terr("to_number", loc, "invalid syntax");
    return vNum(n);
  }
  return terr("to_number", loc, "operand 1 must be one of {null, boolean, number, string} but got " + typeName(a));
}

export function callBuiltin(name: string, args: Array<V>, loc: string): V | null {
  const a = args.length > 0 ? args[0] : vNull();
  const b = args.length > 1 ? args[1] : vNull();
  const c = args.length > 2 ? args[2] : vNull();
  // Comparisons and equality work on any values (total order).
  if (name == "equal") return vBool(equal(a, b));
  if (name == "neq") return vBool(!equal(a, b));
  if (name == "lt") return vBool(compare(a, b) < 0);
  if (name == "lte") return vBool(compare(a, b) <= 0);
  if (name == "gt") return vBool(compare(a, b) > 0);
  if (name == "gte") return vBool(compare(a, b) >= 0);
  if (name == "plus" || name == "minus" || name == "mul" || name == "div" || name == "rem") return arith(name, a, b, loc);
  if (name == "count" || name == "sum" || name == "product" || name == "max" || name == "min" || name == "sort") return aggregate(name, a, loc);
  if (name == "abs") return num(a) ? vNum(Math.abs(a.n)) : terr(name, loc, "operand must be number");
  if (name == "round") return num(a) ? vNum(a.n < 0 ? -Math.floor(-a.n + 0.5) : Math.floor(a.n + 0.5)) : terr(name, loc, "operand must be number");
  if (name == "ceil") return num(a) ? vNum(Math.ceil(a.n)) : terr(name, loc, "operand must be number");
  if (name == "floor") return num(a) ? vNum(Math.floor(a.n)) : terr(name, loc, "operand must be number");
  if (name == "and" || name == "or") {
    if (a.kind != K_SET || b.kind != K_SET) return terr(name, loc, "operands must be sets");
    if (name == "or") { const r = setCopy(a); for (let i = 0; i < b.a.length; i++) setAdd(r, b.a[i]); return r; }
    const r = vSet();
    for (let i = 0; i < a.a.length; i++) if (setHas(b, a.a[i])) r.a.push(a.a[i]);
    return r;
  }
  if (name == "intersection" || name == "union") {
    if (a.kind != K_SET) return terr(name, loc, "operand 1 must be set");
    let r: V = vSet();
    for (let i = 0; i < a.a.length; i++) {
      const s = a.a[i];
      if (s.kind != K_SET) return terr(name, loc, "operand 1 must be set of sets");
      if (name == "union") { for (let j = 0; j < s.a.length; j++) setAdd(r, s.a[j]); }
      else if (i == 0) r = setCopy(s);
      else { const x = vSet(); for (let j = 0; j < r.a.length; j++) if (setHas(s, r.a[j])) x.a.push(r.a[j]); r = x; }
    }
    return r;
  }
  if (name == "internal.member_2") return vBool(member(a, b));
  if (name == "internal.member_3") {
    if (c.kind == K_OBJ || c.kind == K_ARR) {
      const v = c.kind == K_OBJ ? objGet(c, a) : (a.kind == K_NUM && isInt(a) && a.n >= 0 && a.n < <f64>c.a.length ? c.a[<i32>a.n] : null);
      return vBool(v != null && equal(v, b));
    }
    return vBool(false);
  }
  if (name == "is_string") return vBool(a.kind == K_STR);
  if (name == "is_number") return vBool(a.kind == K_NUM);
  if (name == "is_boolean") return vBool(a.kind == K_BOOL);
  if (name == "is_array") return vBool(a.kind == K_ARR);
  if (name == "is_object") return vBool(a.kind == K_OBJ);
  if (name == "is_set") return vBool(a.kind == K_SET);
  if (name == "is_null") return vBool(a.kind == K_NULL);
  if (name == "type_name") return vStr(typeName(a));
  if (name == "to_number") return toNumber(a, loc);
  if (name == "concat") {
    if (a.kind != K_STR) return terr(name, loc, "operand 1 must be string");
    if (!coll(b)) return terr(name, loc, "operand 2 must be one of {array, set}");
    const parts = new Array<string>();
    for (let i = 0; i < b.a.length; i++) {
      if (b.a[i].kind != K_STR) return terr(name, loc, "operand 2 must be array of strings");
      parts.push(b.a[i].t);
    }
    return vStr(parts.join(a.t));
  }
  if (name == "startswith" || name == "endswith" || name == "contains") {
    if (a.kind != K_STR) return terr(name, loc, "operand 1 must be string but got " + typeName(a));
    if (b.kind != K_STR) return terr(name, loc, "operand 2 must be string but got " + typeName(b));
    if (name == "startswith") return vBool(a.t.startsWith(b.t));
    if (name == "endswith") return vBool(a.t.endsWith(b.t));
    return vBool(a.t.includes(b.t));
  }
  if (name == "lower" || name == "upper") {
    if (a.kind != K_STR) return terr(name, loc, "operand 1 must be string but got " + typeName(a));
    return vStr(name == "lower" ? a.t.toLowerCase() : a.t.toUpperCase());
  }
  if (name == "array.concat") {
    if (a.kind != K_ARR || b.kind != K_ARR) return terr(name, loc, "operands must be arrays");
    return vArr(a.a.concat(b.a));
  }
  if (name == "array.reverse") {
    if (a.kind != K_ARR) return terr(name, loc, "operand 1 must be array");
    const xs = a.a.slice(0); xs.reverse(); return vArr(xs);
  }
  if (name == "array.slice") {
    if (a.kind != K_ARR || !num(b) || !num(c)) return terr(name, loc, "bad operands");
    let s = <i32>Math.max(0, Math.floor(b.n)), e = <i32>Math.min(<f64>a.a.length, Math.floor(c.n));
    if (s > a.a.length) s = a.a.length;
    if (e < s) e = s;
    return vArr(a.a.slice(s, e));
  }
  if (name == "object.get") {
    if (a.kind != K_OBJ) return terr(name, loc, "operand 1 must be object but got " + typeName(a));
    if (b.kind == K_ARR) {
      let cur: V | null = a;
      for (let i = 0; i < b.a.length && cur != null; i++) {
        const x: V = cur!;
        if (x.kind == K_OBJ) cur = objGet(x, b.a[i]);
        else if (x.kind == K_ARR || x.kind == K_SET) {
          const k = b.a[i];
          if (x.kind == K_SET) cur = setHas(x, k) ? k : null;
          else cur = k.kind == K_NUM && isInt(k) && k.n >= 0 && k.n < <f64>x.a.length ? x.a[<i32>k.n] : null;
        } else cur = null;
      }
      return cur != null ? cur : c;
    }
    const v = objGet(a, b);
    return v != null ? v : c;
  }
  if (name == "object.keys") {
    if (a.kind != K_OBJ) return terr(name, loc, "operand 1 must be object but got " + typeName(a));
    const r = vSet(); r.a = a.a.slice(0); return r;
  }
  if (name == "object.remove" || name == "object.filter") {
    if (a.kind != K_OBJ) return terr(name, loc, "operand 1 must be object but got " + typeName(a));
    const ks = keySet(b);
    if (ks == null) return terr(name, loc, "operand 2 must be one of {object, string, array} but got " + typeName(b));
    const r = vObj();
    for (let i = 0; i < a.a.length; i++) {
      const has = setHas(ks!, a.a[i]);
      if (has == (name == "object.filter")) { r.a.push(a.a[i]); r.o.push(a.o[i]); }
    }
    return r;
  }
  if (name == "object.union") {
    if (a.kind != K_OBJ || b.kind != K_OBJ) return terr(name, loc, "operands must be objects");
    return unionObj(a, b);
  }
  if (name == "object.union_n") {
    if (a.kind != K_ARR) return terr(name, loc, "operand 1 must be array");
    let r = vObj();
    for (let i = 0; i < a.a.length; i++) {
      if (a.a[i].kind != K_OBJ) return terr(name, loc, "operand 1 must be array of objects");
      r = unionObj(r, a.a[i]);
    }
    return r;
  }
  if (name == "numbers.range") {
    if (!isInt(a) || !isInt(b)) return terr(name, loc, "operands must be integers");
    const xs = new Array<V>();
    if (Math.abs(b.n - a.n) > 10000000) fail("eval_memory_limit_error: numbers.range: range too large");
    if (a.n <= b.n) for (let x = a.n; x <= b.n; x++) xs.push(vNum(x));
    else for (let x = a.n; x >= b.n; x--) xs.push(vNum(x));
    return vArr(xs);
  }
  if (name == "walk") {
    const out = new Array<V>();
    walkInto([], a, out);
    return vArr(out);
  }
  if (name == "json.marshal") return vStr(dump(a, false));
  if (name == "json.unmarshal") {
    if (a.kind != K_STR) return terr(name, loc, "operand 1 must be string");
    const buf = String.UTF8.encode(a.t);
    const v = parseJSON(changetype<usize>(buf), <usize>buf.byteLength);
    return v != null ? v : berr(name, loc, "invalid JSON");
  }
  if (name == "bits.and" || name == "bits.or" || name == "bits.xor" || name == "bits.lsh" || name == "bits.rsh") {
    if (!isInt(a) || !isInt(b)) return terr(name, loc, "operands must be integers");
    const x = <i64>a.n, y = <i64>b.n;
    if (name == "bits.and") return vNum(<f64>(x & y));
    if (name == "bits.or") return vNum(<f64>(x | y));
    if (name == "bits.xor") return vNum(<f64>(x ^ y));
    if (y < 0) return berr(name, loc, "shift must be non-negative");
    if (name == "bits.lsh") return vNum(<f64>(x << y));
    return vNum(<f64>(x >> y));
  }
  if (name == "bits.negate") return isInt(a) ? vNum(<f64>(~(<i64>a.n))) : terr(name, loc, "operand must be integer");
  return host(name, args);
}

export function unusedB(): V { return vObj(); }
