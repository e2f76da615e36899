// Decodes the policy IR (JSON, embedded as a data segment by the linker) into typed nodes once,
// at module initialisation. The IR format is produced by src/rego/planner.ts; see its header.
import { V, K_NUM, K_STR, K_ARR, K_OBJ, vArr, vObj, vSet, objPut, setAdd, objGetS } from "./value";
import { builtinId } from "./builtins";

export const O_SLOT = 0;
export const O_CONST = 1;
export const O_ARR = 2;
export const O_OBJ = 3;
export const O_SET = 4;
export const O_INPUT = 5;
export const O_DATA = 6;

export class Op {
  k: i32 = 0;
  slot: i32 = 0;
  c: V | null = null;
  items: Array<Op> = [];
}

export const S_UNIFY = 1;
export const S_SCAN = 2;
export const S_DOT = 3;
export const S_CALL = 4;
export const S_CALLF = 5;
export const S_RULE = 6;
export const S_VDOC = 7;
export const S_NOT = 8;
export const S_COMPR = 9;
export const S_EVERY = 10;
export const S_WITH = 11;
export const S_TEST = 12;
export const S_PRINT = 13;

export class WithItem {
  kind: i32 = 0;          // 0 input path, 1 data path, 2 function mock
  path: Array<V> = [];
  name: string = "";
  value: Op = new Op();   // replacement value (kind 0/1, or mock kind 0)
  mockKind: i32 = 0;      // 0 value, 1 user function (rule id in `ref`), 2 builtin (name in `refName`)
  drop: i32 = 0;          // leading call arguments a function/builtin replacement does not get
  ref: i32 = 0;
  refName: string = "";
}

export class Stmt {
  op: i32 = 0;
  a: Op = new Op();
  b: Op = new Op();
  c: Op = new Op();
  args: Array<Op> = [];
  n: i32 = 0;             // rule id / native builtin id (-1: host) / comprehension kind / tree id
  hostId: i32 = -2;       // a host builtin's index, resolved on first call (-2: not yet)
  name: string = "";
  body: Array<Stmt> = [];
  withs: Array<WithItem> = [];
  loc: string = "";
}

export class Def {
  nslots: i32 = 0;
  args: Array<Op> = [];
  body: Array<Stmt> = [];
  key: Array<Op> = [];
  value: Op | null = null;
  els: Def | null = null;
  constHead: bool = false;   // key and value are constants: the first solution decides
}

export const R_COMPLETE = 0;
export const R_SET = 1;
export const R_OBJECT = 2;
export const R_FUNC = 3;
export const R_MULTI = 4;   // object whose leaves are sets (`a[x] contains v`)

export class Rule {
  kind: i32 = 0;
  name: string = "";
  path: Array<V> = [];
  defs: Array<Def> = [];
  dflt: Def | null = null;
  // Object rules: `default p[<constant>] := v`, each applied when no definition gives its key.
  keyDflts: Array<Def> = [];
  loc: string = "";
  // Functions only: calls may be memoised per evaluation (false when a print could be skipped).
  memo: bool = true;
  memoLookups: i32 = 0;
  memoHits: i32 = 0;
  // The value of a rule that is one constant (`x := "a"`, a table): no evaluation needed at all.
  constant: V | null = null;
}

export class Query {
  nslots: i32 = 0;
  body: Array<Stmt> = [];
  outNames: Array<V> = [];
  outSlots: Array<i32> = [];
}

function arr(v: V | null): Array<V> { return v == null ? [] : v.a; }
function int(v: V | null): i32 { return v == null ? 0 : <i32>v.n; }
function str(v: V | null): string { return v == null ? "" : v.t; }

// Folds fully constant composites into one constant so evaluation does not rebuild them.
function isConst(o: Op): bool { return o.k == O_CONST; }

export function decodeOp(v: V): Op {
  const o = new Op();
  if (v.kind == K_NUM) { o.k = O_SLOT; o.slot = <i32>v.n; return o; }
  const tag = v.a[0].t;
  if (tag == "c") { o.k = O_CONST; o.c = v.a[1]; return o; }
  if (tag == "i") { o.k = O_INPUT; return o; }
  if (tag == "d") { o.k = O_DATA; return o; }
  let allConst = true;
  for (let i = 1; i < v.a.length; i++) {
    const it = decodeOp(v.a[i]);
    if (!isConst(it)) allConst = false;
    o.items.push(it);
  }
  if (tag == "a") o.k = O_ARR;
  else if (tag == "o") o.k = O_OBJ;
  else o.k = O_SET;
  if (allConst) {
    let c: V;
    if (o.k == O_ARR) {
      const xs = new Array<V>();
      for (let i = 0; i < o.items.length; i++) xs.push(o.items[i].c!);
      c = vArr(xs);
    } else if (o.k == O_OBJ) {
      c = vObj();
      for (let i = 0; i + 1 < o.items.length; i += 2) objPut(c, o.items[i].c!, o.items[i + 1].c!);
    } else {
      c = vSet();
      for (let i = 0; i < o.items.length; i++) setAdd(c, o.items[i].c!);
    }
    const f = new Op();
    f.k = O_CONST; f.c = c;
    return f;
  }
  return o;
}

function ops(v: V | null): Array<Op> {
  const r = new Array<Op>();
  const xs = arr(v);
  for (let i = 0; i < xs.length; i++) r.push(decodeOp(xs[i]));
  return r;
}

export function decodeBody(v: V | null): Array<Stmt> {
  const r = new Array<Stmt>();
  const xs = arr(v);
  for (let i = 0; i < xs.length; i++) r.push(decodeStmt(xs[i]));
  return r;
}

function decodeStmt(v: V): Stmt {
  const s = new Stmt();
  const f = v.a;
  s.op = <i32>f[0].n;
  switch (s.op) {
    case S_UNIFY: s.a = decodeOp(f[1]); s.b = decodeOp(f[2]); break;
    case S_SCAN: s.a = decodeOp(f[1]); s.b = decodeOp(f[2]); s.c = decodeOp(f[3]); break;
    case S_DOT: s.a = decodeOp(f[1]); s.b = decodeOp(f[2]); s.c = decodeOp(f[3]); s.n = f.length > 4 ? int(f[4]) : 0; break;
    case S_CALL: s.name = f[1].t; s.n = builtinId(s.name); s.args = ops(f[2]); s.c = decodeOp(f[3]); s.loc = str(f.length > 4 ? f[4] : null); break;
    case S_CALLF: s.n = int(f[1]); s.args = ops(f[2]); s.c = decodeOp(f[3]); break;
    case S_RULE: s.n = int(f[1]); s.c = decodeOp(f[2]); break;
    case S_VDOC: s.n = int(f[1]); s.c = decodeOp(f[2]); break;
    case S_NOT: s.body = decodeBody(f[1]); break;
    case S_COMPR:
      s.n = int(f[1]); s.body = decodeBody(f[2]); s.a = decodeOp(f[3]); s.b = decodeOp(f[4]); s.c = decodeOp(f[5]);
      break;
    case S_EVERY: s.a = decodeOp(f[1]); s.b = decodeOp(f[2]); s.c = decodeOp(f[3]); s.body = decodeBody(f[4]); break;
    case S_WITH: {
      const items = arr(f[1]);
      for (let i = 0; i < items.length; i++) {
        const it = items[i].a;
        const w = new WithItem();
        w.kind = int(it[0]);
        if (w.kind == 2) {
          w.name = it[1].t;
          w.mockKind = int(it[2]);
          if (w.mockKind == 0) w.value = decodeOp(it[3]);
          else if (w.mockKind == 1) w.ref = int(it[3]);
          else w.refName = it[3].t;
          if (it.length > 4) w.drop = int(it[4]);
        } else {
          w.path = it[1].a;
          w.value = decodeOp(it[2]);
        }
        s.withs.push(w);
      }
      s.body = decodeBody(f[2]);
      break;
    }
    case S_TEST: s.a = decodeOp(f[1]); break;
    case S_PRINT: s.args = ops(f[1]); break;
  }
  return s;
}

export function decodeDef(v: V): Def {
  const d = new Def();
  d.nslots = int(objGetS(v, "n"));
  d.args = ops(objGetS(v, "args"));
  d.body = decodeBody(objGetS(v, "body"));
  d.key = ops(objGetS(v, "key"));
  const val = objGetS(v, "value");
  if (val != null) d.value = decodeOp(val);
  const e = objGetS(v, "else");
  if (e != null) d.els = decodeDef(e);
  let ch = d.value == null || d.value!.k == O_CONST;
  for (let i = 0; i < d.key.length; i++) if (d.key[i].k != O_CONST) ch = false;
  d.constHead = ch;
  return d;
}

export function decodeRule(v: V): Rule {
  const r = new Rule();
  r.kind = int(objGetS(v, "kind"));
  r.name = str(objGetS(v, "name"));
  r.path = arr(objGetS(v, "path"));
  r.loc = str(objGetS(v, "loc"));
  const defs = arr(objGetS(v, "defs"));
  for (let i = 0; i < defs.length; i++) r.defs.push(decodeDef(defs[i]));
  const d = objGetS(v, "default");
  if (d != null) r.dflt = decodeDef(d);
  const kd = objGetS(v, "key_defaults");
  if (kd != null) { const ds = arr(kd); for (let i = 0; i < ds.length; i++) r.keyDflts.push(decodeDef(ds[i])); }
  if (r.kind == R_COMPLETE && r.dflt == null && r.defs.length == 1) {
    const only = r.defs[0];
    if (only.els == null && only.body.length == 0 && only.value != null && only.value!.k == O_CONST) r.constant = only.value!.c;
  }
  return r;
}

export function decodeQuery(v: V): Query {
  const q = new Query();
  q.nslots = int(objGetS(v, "n"));
  q.body = decodeBody(objGetS(v, "body"));
  const outs = arr(objGetS(v, "outs"));
  for (let i = 0; i < outs.length; i++) {
    q.outNames.push(outs[i].a[0]);
    q.outSlots.push(<i32>outs[i].a[1].n);
  }
  return q;
}

export function isStr(v: V): bool { return v.kind == K_STR; }
export function isObj(v: V): bool { return v.kind == K_OBJ; }
export function isArr(v: V): bool { return v.kind == K_ARR; }

// A function is memoised unless a print statement runs within it (directly, in a nested body, or in
// a function it calls): a memoised call would skip the output. Worked out without recursion over the
// call graph: a chain of thousands of functions must not exhaust the native stack at instantiation.
function scanBody(body: Array<Stmt>, callees: Array<i32>): bool {
  let prints = false;
  for (let i = 0; i < body.length; i++) {
    const s = body[i];
    if (s.op == S_PRINT) prints = true;
    if (s.op == S_CALLF) callees.push(s.n);
    if (scanBody(s.body, callees)) prints = true;
  }
  return prints;
}

export function markMemoisable(rules: Array<Rule>): void {
  const callers = new Array<Array<i32>>(rules.length);
  for (let i = 0; i < rules.length; i++) callers[i] = new Array<i32>();
  const printing = new Array<i32>();
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const callees = new Array<i32>();
    let prints = false;
    for (let j = 0; j < r.defs.length; j++) {
      let d: Def | null = r.defs[j];
      while (d != null) { if (scanBody(d.body, callees)) prints = true; d = d.els; }
    }
    if (r.dflt != null && scanBody(r.dflt!.body, callees)) prints = true;
    for (let j = 0; j < callees.length; j++) callers[callees[j]].push(i);
    if (prints) { r.memo = false; printing.push(i); }
  }
  // Whoever calls a printing function prints too.
  while (printing.length > 0) {
    const id = printing.pop();
    const from = callers[id];
    for (let j = 0; j < from.length; j++) {
      const caller = rules[from[j]];
      if (caller.memo) { caller.memo = false; printing.push(from[j]); }
    }
  }
}
