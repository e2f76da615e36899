// Rule evaluation: complete/partial rules with caching and `with data` overrides, functions,
// defaults, and the virtual documents of package nodes (base data merged with rule values).
import { V, K_NUM, K_STR, K_ARR, K_OBJ, vObj, vSet, objPut, objGet, objCopy, equal } from "./value";
import { Rule, Def, R_SET, R_OBJECT, R_MULTI } from "./ir";
import { Frame, newFrame, Memo, Sink, K, kSink, kSinkReuse, run, state, enter, leave, curData, index, upsert, evalOp, unify, rules } from "./eval";

// ---- rules ----
function pathHasPrefix(p: Array<V>, pre: Array<V>): bool {
  if (pre.length > p.length) return false;
  for (let i = 0; i < pre.length; i++) if (!equal(p[i], pre[i])) return false;
  return true;
}

export function evalRule(id: i32): V | null {
  const r = rules[id];
  // `with data.x as v` replaces virtual documents as well as base ones.
  for (let i = state().overrides.length - 1; i >= 0; i--) {
    const o = state().overrides[i];
    if (pathHasPrefix(r.path, o.path)) {
      let v: V | null = o.value;
      for (let j = o.path.length; j < r.path.length && v != null; j++) v = index(v!, r.path[j]);
      return v;
    }
  }
  const s = state();
  if (id < s.cached.length && s.cached[id]) return s.cache[id];
  const v = computeRule(r);
  // Sized for every rule at once: growing entry by entry costs more than the whole table.
  if (s.cached.length <= id) { s.cached = new Array<bool>(rules.length); s.cache = new Array<V | null>(rules.length); }
  s.cached[id] = true;
  s.cache[id] = v;
  let out = v;
  for (let i = 0; i < state().overrides.length; i++) {
    const o = state().overrides[i];
    if (o.path.length > r.path.length && pathHasPrefix(o.path, r.path)) {
      out = upsert(out, o.path.slice(r.path.length), 0, o.value);
    }
  }
  return out;
}


function computeRule(r: Rule): V | null {
  return evalDefs(r, NO_ARGS);
}

const NO_ARGS = new Array<V>(0);

// Rules and functions alike: every definition runs (a conflict between them is an error), each else
// chain until one of its links succeeds; partial rules collect from every link.
function evalDefs(r: Rule, args: Array<V>): V | null {
  enter();
  const sk = new Sink();
  sk.kind = 1; sk.rule = r;
  let k: K | null = null;
  const collects = r.kind == R_SET || r.kind == R_OBJECT || r.kind == R_MULTI;
  for (let i = 0; i < r.defs.length; i++) {
    let d: Def | null = r.defs[i];
    while (d != null) {
      sk.def = d; sk.found = false;
      if (d.args.length != args.length) break;
      const f = newFrame(d.nslots);
      let ok = true;
      for (let j = 0; j < args.length && ok; j++) ok = unify(d.args[j], args[j], f);
      if (ok) { k = kSinkReuse(k, sk, f); run(d.body, 0, f, k); }
      if (sk.found || collects) break;
      d = d.els;
    }
  }
  leave();
  if (r.keyDflts.length > 0) applyKeyDefaults(r, sk);
  if (sk.acc == null) {
    if (r.kind == R_SET) return vSet();
    if (r.kind == R_OBJECT || r.kind == R_MULTI) return vObj();
    if (r.dflt != null) return evalDefault(r);
  }
  return sk.acc;
}

function applyKeyDefaults(r: Rule, sk: Sink): void {
  for (let i = 0; i < r.keyDflts.length; i++) {
    const d = r.keyDflts[i];
    const one = new Sink();
    one.kind = 1; one.rule = r; one.def = d;
    const f = newFrame(d.nslots);
    run(d.body, 0, f, kSink(one, f));
    if (one.acc == null) continue;
    const got = one.acc!;
    if (sk.acc == null) sk.acc = vObj();
    for (let j = 0; j < got.a.length; j++) if (objGet(sk.acc!, got.a[j]) == null) objPut(sk.acc!, got.a[j], got.o[j]);
  }
}

function evalDefault(r: Rule): V | null {
  const d = r.dflt!;
  const sk = new Sink();
  sk.kind = 1; sk.rule = r; sk.def = d;
  const f = newFrame(d.nslots);
  run(d.body, 0, f, kSink(sk, f));
  return sk.acc;
}

// Calls remembered per function: enough for the helpers policies call over and over with the same
// arguments (a pod template of `input`, a namespace's labels) without turning loops quadratic.
const MEMO_WAYS = 8;
const MEMO_TRIAL = 64;

// Same arguments: the same value object (results of cached rules and of `input` are shared), or
// equal scalars. Composite values are not compared deeply: that could cost more than the call.
function sameArgs(a: Array<V>, b: Array<V>): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (x.kind != y.kind || x.kind > K_STR) return false;
    if (x.kind == K_STR) { if (x.t != y.t) return false; continue; }
    if (x.kind == K_NUM && x.n != y.n && isFinite(x.n) && isFinite(y.n)) return false;
    if (!equal(x, y)) return false;
  }
  return true;
}

// Rego functions are pure within one evaluation (same input, data and `with` scope), so a call with
// the same arguments as a recent one returns its result, as OPA's rule cache does for rules.
export function callFunc(id: i32, args: Array<V>): V | null {
  const r = rules[id];
  if (!r.memo) return computeFunc(id, args);
  // Remembering costs a comparison per earlier call: stop for functions whose calls never repeat.
  if (r.memoLookups >= MEMO_TRIAL && r.memoHits * 8 < r.memoLookups) { r.memo = false; return computeFunc(id, args); }
  r.memoLookups++;
  const s = state();
  if (s.memos.length <= id) s.memos = new Array<Memo | null>(rules.length);
  const memos = s.memos;
  let m = memos[id];
  if (m == null) { m = new Memo(); memos[id] = m; }
  for (let i = 0; i < m.args.length; i++) if (sameArgs(m.args[i], args)) { r.memoHits++; return m.results[i]; }
  const v = computeFunc(id, args);
  if (m.args.length < MEMO_WAYS) { m.args.push(args); m.results.push(v); }
  else { m.args[m.next] = args; m.results[m.next] = v; m.next = (m.next + 1) % MEMO_WAYS; }
  return v;
}

function computeFunc(id: i32, args: Array<V>): V | null {
  return evalDefs(rules[id], args);
}

// Materialises the document at a package node: base data merged with every rule beneath it.
export function vdoc(node: V, path: Array<V>, self: i32): V | null {
  let base: V | null = curData();
  for (let i = 0; i < path.length && base != null; i++) base = index(base!, path[i]);
  const sub = vdocAt(node, base);
  return self >= 0 ? mergeDocs(evalRule(self), sub) : sub;
}

// A rule's object value merged with the documents of the rules beneath it.
function mergeDocs(a: V | null, b: V | null): V | null {
  if (a == null) return b;
  if (b == null) return a;
  if (a.kind != K_OBJ || b.kind != K_OBJ) return a;
  const r = objCopy(a);
  for (let i = 0; i < b.a.length; i++) {
    const prev = objGet(r, b.a[i]);
    objPut(r, b.a[i], prev != null ? mergeDocs(prev, b.o[i])! : b.o[i]);
  }
  return r;
}

function vdocAt(node: V, base: V | null): V | null {
  const out = base != null && base.kind == K_OBJ ? objCopy(base) : vObj();
  for (let i = 0; i < node.a.length; i++) {
    const key = node.a[i];
    const child = node.o[i];
    let v: V | null;
    const sub = base != null && base.kind == K_OBJ ? objGet(base, key) : null;
    if (child.kind == K_NUM) v = evalRule(<i32>child.n);
    else if (child.kind == K_ARR) v = mergeDocs(evalRule(<i32>child.a[0].n), vdocAt(child.a[1], sub));
    else v = vdocAt(child, sub);
    if (v != null) objPut(out, key, v);
  }
  return out;
}

