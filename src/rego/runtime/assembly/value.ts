// Rego values and the total order OPA defines on them:
// null < boolean < number < string < array < object < set.
// Sets keep their elements sorted and objects their keys sorted, so equality, ordering and
// lookup need no hashing (binary search), and dumps come out in OPA's canonical order.

export const K_NULL = 0;
export const K_BOOL = 1;
export const K_NUM = 2;
export const K_STR = 3;
export const K_ARR = 4;
export const K_OBJ = 5;
export const K_SET = 6;

// Scalars share one empty (never mutated) array instead of allocating two per value; only the
// composite constructors below give a value arrays of its own.
const NONE = new Array<V>(0);

export class V {
  kind: i32 = 0;
  b: bool = false;
  // For a number computed exactly as a decimal of at most 15 significant digits: 1 + its scale (digits
  // after the point); 0 otherwise. Such a number needs no text: its double's shortest form is that
  // decimal (15 digits always survive a double), and the digits come back as round(n x 10^scale).
  ds: u8 = 0;
  // A non-integral number computed as OPA computes it, in a 64-bit-mantissa binary float (bf64.ts):
  // arithmetic on it continues that way, as OPA's does on the big.Float it came from.
  bf: bool = false;
  n: f64 = 0;
  // String value, or for numbers their exact decimal text: the literal, or the result of exact
  // arithmetic (bigint.ts). "" marks a double computed inexactly (a quotient like 1/3); `n` is always
  // the nearest double, used for fast comparisons.
  t: string = "";
  a: Array<V> = NONE;   // array items / sorted set elements / sorted object keys
  o: Array<V> = NONE;   // object values, parallel to `a`
}

const NULLV = new V();
const TRUEV = mk(K_BOOL);
const FALSEV = mk(K_BOOL);
TRUEV.b = true;

function mk(kind: i32): V { const v = new V(); v.kind = kind; return v; }

export function vNull(): V { return NULLV; }
export function vBool(b: bool): V { return b ? TRUEV : FALSEV; }
export function vNum(n: f64): V { const v = mk(K_NUM); v.n = n; return v; }
export function vNumT(n: f64, t: string): V { const v = mk(K_NUM); v.n = n; v.t = t; return v; }
// Array indexes as values, allocated once at instantiation (below any heap mark, so they survive
// heap resets): iteration over arrays is the hottest allocation site otherwise.
const SMALL_INTS = new Array<V>(1024);
for (let i = 0; i < 1024; i++) SMALL_INTS[i] = vNum(<f64>i);
export function vIdx(i: i32): V { return i >= 0 && i < 1024 ? SMALL_INTS[i] : vNum(<f64>i); }

export function vStr(s: string): V { const v = mk(K_STR); v.t = s; return v; }
export function vArr(items: Array<V>): V { const v = mk(K_ARR); v.a = items; return v; }
export function vObj(): V { const v = mk(K_OBJ); v.a = new Array<V>(); v.o = new Array<V>(); return v; }
export function vSet(): V { const v = mk(K_SET); v.a = new Array<V>(); return v; }

// Exact ordering of number literals. Rounding to f64 is monotonic, so when the doubles differ they
// already order the numbers correctly; only ties (and infinities) need the decimal text.
export class Dec {
  sign: i32 = 0;        // -1, 0 (zero) or 1
  digits: string = "";  // significant digits, no leading/trailing zeros
  exp: i32 = 0;         // value = 0.<digits> x 10^exp
}

export function parseDecimal(t: string): Dec {
  const d = new Dec();
  let i = 0;
  let neg = false;
  if (t.charCodeAt(0) == 45) { neg = true; i = 1; } else if (t.charCodeAt(0) == 43) i = 1;
  let mant = "";
  let point = -1;
  let e = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c == 46) { point = mant.length; continue; }
    if (c == 101 || c == 69) { e = I32.parseInt(t.substring(i + 1)); break; }
    mant += String.fromCharCode(c);
  }
  if (point < 0) point = mant.length;
  let lz = 0;
  while (lz < mant.length && mant.charCodeAt(lz) == 48) lz++;
  let end = mant.length;
  while (end > lz && mant.charCodeAt(end - 1) == 48) end--;
  d.digits = mant.substring(lz, end);
  if (d.digits.length == 0) return d;
  d.sign = neg ? -1 : 1;
  d.exp = point - lz + e;
  return d;
}

/** The exact text of a number marked with a decimal scale (V.ds), e.g. "-0.25". */
export function dsText(v: V): string {
  const scale = <i32>v.ds - 1;
  const int = <i64>Math.round(v.n * Math.pow(10, <f64>scale));
  const neg = int < 0;
  let digits = (neg ? -int : int).toString();
  while (digits.length <= scale) digits = "0" + digits;
  const text = digits.substring(0, digits.length - scale) + "." + digits.substring(digits.length - scale);
  return neg ? "-" + text : text;
}

function textOf(v: V): string {
  if (v.t.length > 0) return v.t;
  if (v.ds > 0) return dsText(v);
  const n = v.n;
  if (Math.floor(n) == n && Math.abs(n) < 9.0e18) return (<i64>n).toString();
  return n.toString();
}

export function cmpNum(a: V, b: V): i32 {
  if (isFinite(a.n) && isFinite(b.n) && a.n != b.n) return a.n < b.n ? -1 : 1;
  if (a.t == b.t && a.t.length > 0) return 0;
  if (a.t.length == 0 && b.t.length == 0) return a.n < b.n ? -1 : (a.n > b.n ? 1 : 0);
  const x = parseDecimal(textOf(a)), y = parseDecimal(textOf(b));
  if (x.sign != y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign == 0) return 0;
  let r: i32 = 0;
  if (x.exp != y.exp) r = x.exp < y.exp ? -1 : 1;
  else r = x.digits < y.digits ? -1 : (x.digits > y.digits ? 1 : 0);
  return x.sign * r;
}

/**
 * Code-point order (Go compares UTF-8 bytes, which orders by code point). UTF-16 unit order
 * differs only when a surrogate (astral character) meets a unit in U+E000..U+FFFF.
 */
export function cmpStr(x: string, y: string): i32 {
  const n = min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x.charCodeAt(i), b = y.charCodeAt(i);
    if (a == b) continue;
    const sa = a >= 0xd800 && a <= 0xdfff, sb = b >= 0xd800 && b <= 0xdfff;
    if (sa != sb) return sa ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return x.length == y.length ? 0 : (x.length < y.length ? -1 : 1);
}

export function compare(a: V, b: V): i32 {
  if (a === b) return 0;
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case K_NULL: return 0;
    case K_BOOL: return a.b == b.b ? 0 : (a.b ? 1 : -1);
    case K_NUM: return cmpNum(a, b);
    case K_STR: return cmpStr(a.t, b.t);
    case K_ARR:
    case K_SET: {
      const n = min(a.a.length, b.a.length);
      for (let i = 0; i < n; i++) {
        const c = compare(a.a[i], b.a[i]);
        if (c != 0) return c;
      }
      return a.a.length == b.a.length ? 0 : (a.a.length < b.a.length ? -1 : 1);
    }
    case K_OBJ: {
      const n = min(a.a.length, b.a.length);
      for (let i = 0; i < n; i++) {
        let c = compare(a.a[i], b.a[i]);
        if (c != 0) return c;
        c = compare(a.o[i], b.o[i]);
        if (c != 0) return c;
      }
      return a.a.length == b.a.length ? 0 : (a.a.length < b.a.length ? -1 : 1);
    }
  }
  return 0;
}

export function equal(a: V, b: V): bool { return compare(a, b) == 0; }

// Index of `k` in sorted `arr`, or -(insertion point)-1.
export function search(arr: Array<V>, k: V): i32 {
  let lo = 0, hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(arr[mid], k);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -(lo + 1);
}

export function setAdd(s: V, e: V): void {
  const i = search(s.a, e);
  if (i >= 0) return;
  const at = -i - 1;
  insertAt(s.a, at, e);
}

export function insertAt(arr: Array<V>, at: i32, e: V): void {
  arr.push(e);
  for (let j = arr.length - 1; j > at; j--) arr[j] = arr[j - 1];
  arr[at] = e;
}

export function setHas(s: V, e: V): bool { return search(s.a, e) >= 0; }

// Objects are built in place while under construction only; afterwards they are shared read-only.
export function objPut(o: V, k: V, v: V): void {
  const i = search(o.a, k);
  if (i >= 0) { o.o[i] = v; return; }
  const at = -i - 1;
  insertAt(o.a, at, k);
  insertAt(o.o, at, v);
}

export function objGet(o: V, k: V): V | null {
  const i = search(o.a, k);
  return i >= 0 ? o.o[i] : null;
}

export function objGetS(o: V, k: string): V | null { return objGet(o, vStr(k)); }

export function objCopy(o: V): V {
  const r = vObj();
  r.a = o.a.slice(0);
  r.o = o.o.slice(0);
  return r;
}

export function setCopy(s: V): V {
  const r = vSet();
  r.a = s.a.slice(0);
  return r;
}

export function typeName(v: V): string {
  switch (v.kind) {
    case K_NULL: return "null";
    case K_BOOL: return "boolean";
    case K_NUM: return "number";
    case K_STR: return "string";
    case K_ARR: return "array";
    case K_OBJ: return "object";
  }
  return "set";
}

export function isInt(v: V): bool { return v.kind == K_NUM && Math.floor(v.n) == v.n && isFinite(v.n); }
