// JSON text <-> values. Parsing reads UTF-8 bytes straight from linear memory; dumping builds a
// string and writes it back NUL-terminated, which is what the OPA ABI hands to the host.
import { V, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_OBJ, K_SET, vNull, vBool, vNumT, vStr, vArr, vObj, vSet, objPut, setAdd, vNum, dsText } from "./value";

let P: usize = 0;
let E: usize = 0;
let bad = false;
let valueSyntax = false;

@inline function peek(): u32 { return P < E ? <u32>load<u8>(P) : 0; }

function ws(): void {
  while (P < E) {
    const c = load<u8>(P);
    if (c == 32 || c == 9 || c == 10 || c == 13) P++; else break;
  }
}

function hex4(): i32 {
  let r = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>peek(); P++;
    let d = -1;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    if (d < 0) { bad = true; return 0; }
    r = r * 16 + d;
  }
  return r;
}

function str(): string {
  P++; // opening quote
  let out = "";
  let start = P;
  while (true) {
    if (P >= E) { bad = true; return ""; }
    const c = load<u8>(P);
    if (c == 34) {
      const tail = String.UTF8.decodeUnsafe(start, P - start);
      P++;
      return out.length == 0 ? tail : out + tail;
    }
    if (c == 92) {
      out += String.UTF8.decodeUnsafe(start, P - start);
      P++;
      const e = peek(); P++;
      if (e == 110) out += "\n";
      else if (e == 116) out += "\t";
      else if (e == 114) out += "\r";
      else if (e == 98) out += "\b";
      else if (e == 102) out += "\f";
      else if (e == 117) {
        const u = hex4();
        out += String.fromCharCode(u);
      } else if (e == 34 || e == 92 || e == 47) out += String.fromCharCode(e);
      else { bad = true; return ""; }
      start = P;
    } else P++;
  }
}

function num(): V {
  const s = P;
  if (peek() == 45) P++;
  while (P < E) {
    const c = load<u8>(P);
    if ((c >= 48 && c <= 57) || c == 46 || c == 101 || c == 69 || c == 43 || c == 45) P++; else break;
  }
  if (P == s) { bad = true; return vNull(); }
  const t = String.UTF8.decodeUnsafe(s, P - s);
  const n = parseFloat(t);
  if (isNaN(n)) { bad = true; return vNull(); }
  return vNumT(n, t);
}

function lit(word: string): bool {
  for (let i = 0; i < word.length; i++) {
    if (peek() != <u32>word.charCodeAt(i)) { bad = true; return false; }
    P++;
  }
  return true;
}

function val(depth: i32): V {
  if (depth > 1000) { bad = true; return vNull(); }
  ws();
  const c = peek();
  if (c == 123) {
    P++;
    ws();
    if (peek() == 125) { P++; return vObj(); }
    // Rego's value syntax extends JSON (opa_value_parse): {a, b} is a set, object keys may be any value,
    // and a collection may end with a comma.
    const first = val(depth + 1);
    ws();
    if (peek() != 58) {
      if (!valueSyntax) { bad = true; return vNull(); }
      const st = vSet();
      setAdd(st, first);
      while (!bad) {
        ws();
        if (peek() == 44) { P++; ws(); if (peek() == 125) { P++; break; } setAdd(st, val(depth + 1)); continue; }
        if (peek() == 125) { P++; break; }
        bad = true;
      }
      return st;
    }
    if (!valueSyntax && first.kind != K_STR) { bad = true; return vNull(); }
    const o = vObj();
    let k = first;
    while (!bad) {
      ws();
      if (peek() != 58) { bad = true; break; }
      P++;
      const v = val(depth + 1);
      objPut(o, k, v);
      ws();
      if (peek() == 44) {
        P++; ws();
        if (valueSyntax && peek() == 125) { P++; break; }
        k = val(depth + 1);
        if (!valueSyntax && k.kind != K_STR) { bad = true; break; }
        continue;
      }
      if (peek() == 125) { P++; break; }
      bad = true;
    }
    return o;
  }
  if (c == 91) {
    P++;
    const items = new Array<V>();
    ws();
    if (peek() == 93) { P++; return vArr(items); }
    while (!bad) {
      items.push(val(depth + 1));
      ws();
      if (peek() == 44) { P++; ws(); if (valueSyntax && peek() == 93) { P++; break; } continue; }
      if (peek() == 93) { P++; break; }
      bad = true;
    }
    return vArr(items);
  }
  if (c == 34) return vStr(str());
  if (c == 116) { lit("true"); return vBool(true); }
  if (c == 102) { lit("false"); return vBool(false); }
  if (c == 110) { lit("null"); return vNull(); }
  if (c == 115 && valueSyntax) { lit("set()"); return vSet(); }
  return num();
}

/** Strict JSON unless `regoSyntax` (opa_value_parse, opa_eval's input): then Rego's value syntax too. */
export function parseJSON(ptr: usize, len: usize, regoSyntax: bool = false): V | null {
  P = ptr; E = ptr + len; bad = false; valueSyntax = regoSyntax;
  const v = val(0);
  ws();
  if (bad || P != E) return null;
  return v;
}

export function numText(v: V): string {
  if (v.t.length > 0) return v.t;
  if (v.ds > 0) return dsText(v);
  const n = v.n;
  if (Math.floor(n) == n && Math.abs(n) < 9.0e18) return (<i64>n).toString();
  if (!isFinite(n)) return "null";
  return n.toString();
}

function quote(s: string): string {
  let out = "\"";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc = "";
    if (c == 34) esc = "\\\"";
    else if (c == 92) esc = "\\\\";
    else if (c == 10) esc = "\\n";
    else if (c == 13) esc = "\\r";
    else if (c == 9) esc = "\\t";
    else if (c < 32) {
      const h = c.toString(16);
      esc = "\\u" + "0000".substring(h.length) + h;
    }
    if (esc.length > 0) { out += s.substring(start, i) + esc; start = i + 1; }
  }
  return out + s.substring(start) + "\"";
}

// JSON form: sets become arrays and non-string object keys their JSON text, as OPA does.
// Rego form (rego = true): sets print as {a, b} / set().
export function dump(v: V, rego: bool): string {
  switch (v.kind) {
    case K_NULL: return "null";
    case K_BOOL: return v.b ? "true" : "false";
    case K_NUM: return numText(v);
    case K_STR: return quote(v.t);
    case K_ARR: {
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) parts.push(dump(v.a[i], rego));
      return "[" + parts.join(",") + "]";
    }
    case K_SET: {
      if (rego && v.a.length == 0) return "set()";
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) parts.push(dump(v.a[i], rego));
      return rego ? "{" + parts.join(",") + "}" : "[" + parts.join(",") + "]";
    }
    case K_OBJ: {
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) {
        const k = v.a[i];
        const ks = k.kind == K_STR ? quote(k.t) : (rego ? dump(k, true) : quote(dump(k, false)));
        parts.push(ks + ":" + dump(v.o[i], rego));
      }
      return "{" + parts.join(",") + "}";
    }
  }
  return "null";
}

export function cstr(s: string): usize {
  const buf = String.UTF8.encode(s, true);
  return changetype<usize>(buf);
}

export function vNumI(n: i64): V { return vNum(<f64>n); }
