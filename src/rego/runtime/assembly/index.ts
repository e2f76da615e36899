// The OPA wasm ABI 1.2 surface. Value addresses handed to the host are plain object pointers.
import { V, K_OBJ, K_STR, K_ARR, vObj, vNum, vStr, objPut, objGetS, objGet, objCopy } from "./value";
import { parseJSON, dump, cstr } from "./json";
import { IR_HEADER, heapGet, heapSet } from "./heap";
import { decodeRule, decodeQuery, markMemoisable, Query } from "./ir";
import { rules, trees, treePaths, treeRules, resetState, runQuery } from "./eval";
import { hostNames, setStrict, fail } from "./builtins";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

let ready = false;
let queries: Array<Query> = [];
let entrypointsV: V = vObj();
let builtinsV: V = vObj();

function init(): void {
  if (ready) return;
  ready = true;
  const ptr = <usize>load<u32>(IR_HEADER);
  const len = <usize>load<u32>(IR_HEADER + 4);
  const ir = parseJSON(ptr, len);
  if (ir == null) return;
  const rs = objGetS(ir, "rules");
  if (rs != null) for (let i = 0; i < rs.a.length; i++) rules.push(decodeRule(rs.a[i]));
  markMemoisable(rules);
  const ts = objGetS(ir, "trees");
  if (ts != null) for (let i = 0; i < ts.a.length; i++) {
    trees.push(ts.a[i].a[1]);
    treePaths.push(ts.a[i].a[0].a);
    treeRules.push(<i32>ts.a[i].a[2].n);
  }
  const qs = objGetS(ir, "queries");
  if (qs != null) for (let i = 0; i < qs.a.length; i++) queries.push(decodeQuery(qs.a[i]));
  const eps = objGetS(ir, "entrypoints");
  if (eps != null) entrypointsV = eps;
  const bs = objGetS(ir, "builtins");
  if (bs != null) {
    for (let i = 0; i < bs.a.length; i++) {
      hostNames.push(bs.a[i].t);
      objPut(builtinsV, bs.a[i], vNum(<f64>i));
    }
  }
  const s = objGetS(ir, "strict");
  if (s != null && s.b) setStrict(true);
}

/**
 * End of the runtime's static memory. The linker places the policy IR above it (static zero-filled
 * memory is not part of the data segments, so the segments alone understate it).
 */
export function meshguard_heap_base(): usize { return __heap_base; }

export function builtins(): usize { init(); return changetype<usize>(builtinsV); }
export function entrypoints(): usize { init(); return changetype<usize>(entrypointsV); }

export function opa_malloc(n: usize): usize { init(); return __alloc(n); }
export function opa_free(p: usize): void {}
export function opa_heap_ptr_get(): usize { init(); return heapGet(); }
export function opa_heap_ptr_set(p: usize): void { init(); heapSet(p); }

export function opa_json_parse(p: usize, n: usize): usize {
  init();
  const v = parseJSON(p, n);
  return v == null ? 0 : changetype<usize>(v);
}
export function opa_value_parse(p: usize, n: usize): usize {
  init();
  const v = parseJSON(p, n, true);
  return v == null ? 0 : changetype<usize>(v);
}
export function opa_json_dump(v: usize): usize { return cstr(dump(changetype<V>(v), false)); }
export function opa_value_dump(v: usize): usize { return cstr(dump(changetype<V>(v), true)); }

class Ctx { input: V | null = null; data: V = vObj(); ep: i32 = 0; result: V | null = null; }

export function opa_eval_ctx_new(): usize { init(); return changetype<usize>(new Ctx()); }
export function opa_eval_ctx_set_input(c: usize, v: usize): void { changetype<Ctx>(c).input = v == 0 ? null : changetype<V>(v); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { changetype<Ctx>(c).data = changetype<V>(v); }
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void { changetype<Ctx>(c).ep = e; }
export function opa_eval_ctx_get_result(c: usize): usize { const r = changetype<Ctx>(c).result; return r == null ? 0 : changetype<usize>(r); }

function evalEp(ep: i32, input: V | null, data: V): V {
  const d = data.kind == K_OBJ ? data : vObj();
  resetState(input, d);
  if (ep < 0 || ep >= queries.length) return vObj();
  return runQuery(queries[ep]);
}

export function eval(c: usize): i32 {
  init();
  const ctx = changetype<Ctx>(c);
  ctx.result = evalEp(ctx.ep, ctx.input, ctx.data);
  return 0;
}

export function opa_eval(reserved: i32, ep: i32, data: usize, input: usize, inputLen: usize, heapPtr: usize, format: i32): usize {
  init();
  heapSet(heapPtr);
  let inp: V | null = null;
  if (inputLen > 0) {
    // Rego's value syntax, which JSON is a part of: the input may hold sets (opa_value_parse's reading).
    inp = parseJSON(input, inputLen, true);
    if (inp == null) fail("invalid input: not a JSON document");
  }
  const r = evalEp(ep, inp, data == 0 ? vObj() : changetype<V>(data));
  return cstr(dump(r, format == 1));
}

function pathOf(p: usize): V | null {
  const v = changetype<V>(p);
  return v.kind == K_ARR ? v : null;
}

// Mutating helpers kept for ABI completeness; the SDK does not call them.
export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
  const p = pathOf(path);
  if (p == null) return 2;
  let cur = changetype<V>(base);
  if (cur.kind != K_OBJ) return 2;
  for (let i = 0; i < p.a.length - 1; i++) {
    let next = objGet(cur, p.a[i]);
    if (next == null) { next = vObj(); objPut(cur, p.a[i], next); }
    if (next.kind != K_OBJ) return 3;
    cur = next;
  }
  if (p.a.length == 0) return 3;
  objPut(cur, p.a[p.a.length - 1], changetype<V>(value));
  return 0;
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  const p = pathOf(path);
  if (p == null) return 2;
  let cur = changetype<V>(base);
  for (let i = 0; i < p.a.length - 1; i++) {
    const next = objGet(cur, p.a[i]);
    if (next == null || next.kind != K_OBJ) return 3;
    cur = next;
  }
  if (p.a.length == 0 || cur.kind != K_OBJ) return 3;
  const r = objCopy(cur);
  const k = p.a[p.a.length - 1];
  for (let i = 0; i < r.a.length; i++) {
    if (r.a[i].kind == k.kind && dump(r.a[i], true) == dump(k, true)) {
      cur.a.splice(i, 1); cur.o.splice(i, 1); return 0;
    }
  }
  return 3;
}

