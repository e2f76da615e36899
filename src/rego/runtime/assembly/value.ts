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

export class V {
  kind: i32 = 0;
  b: bool = false;
  n: f64 = 0;
  // String value, or for numbers the original literal text ("" when computed). Keeping the text
  // lets big integers and decimals round-trip unchanged even though arithmetic uses f64.
  t: string = "";
  a: Array<V> = [];   // array items / sorted set elements / sorted object keys
  o: Array<V> = [];   // object values, parallel to `a`
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
export function vStr(s: string): V { const v = mk(K_STR); v.t = s; return v; }
export function vArr(items: Array<V>): V { const v = mk(K_ARR); v.a = items; return v; }
export function vObj(): V { return mk(K_OBJ); }
export function vSet(): V { return mk(K_SET); }

function isIntText(t: string): bool {
  if (t.length == 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!(c >= 48 && c <= 57) && !(i == 0 && c == 45)) return false;
  }
  return true;
}

function cmpIntText(x: string, y: string): i32 {
  const nx = x.charCodeAt(0) == 45, ny = y.charCodeAt(0) == 45;
  if (nx != ny) return nx ? -1 : 1;
  const ax = nx ? x.substring(1) : x, ay = ny ? y.substring(1) : y;
  let r: i32 = 0;
  if (ax.length != ay.length) r = ax.length < ay.length ? -1 : 1;
  else r = ax < ay ? -1 : (ax > ay ? 1 : 0);
  return nx ? -r : r;
}

export function cmpNum(a: V, b: V): i32 {
  // Big integers beyond f64 precision still order correctly when both keep their literal text.
  if (a.t.length > 15 && b.t.length > 15 && isIntText(a.t) && isIntText(b.t)) return cmpIntText(a.t, b.t);
  if (a.n < b.n) return -1;
  if (a.n > b.n) return 1;
  return 0;
}

export function cmpStr(x: string, y: string): i32 {
  return x < y ? -1 : (x > y ? 1 : 0);
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
