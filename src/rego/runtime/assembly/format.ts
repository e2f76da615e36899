// sprintf natively: Go fmt verbs over Rego values. Done in the module (not as a host builtin) so
// sets print as sets: host builtins only ever see JSON, where a set is an array.
import { V, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_SET, K_OBJ } from "./value";
import { numText } from "./json";

function quoteGo(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) out += "\\\"";
    else if (c == 92) out += "\\\\";
    else if (c == 10) out += "\\n";
    else if (c == 9) out += "\\t";
    else if (c == 13) out += "\\r";
    else if (c < 32) { const h = c.toString(16); out += "\\x" + (h.length < 2 ? "0" : "") + h; }
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

/** OPA's %v: strings bare at top level, quoted inside composites; sets as {a, b}. */
export function regoText(v: V, top: bool): string {
  switch (v.kind) {
    case K_NULL: return "null";
    case K_BOOL: return v.b ? "true" : "false";
    case K_NUM: return numText(v);
    case K_STR: return top ? v.t : quoteGo(v.t);
    case K_ARR: {
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) parts.push(regoText(v.a[i], false));
      return "[" + parts.join(", ") + "]";
    }
    case K_SET: {
      if (v.a.length == 0) return "set()";
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) parts.push(regoText(v.a[i], false));
      return "{" + parts.join(", ") + "}";
    }
    case K_OBJ: {
      const parts = new Array<string>();
      for (let i = 0; i < v.a.length; i++) parts.push(regoText(v.a[i], false) + ": " + regoText(v.o[i], false));
      return "{" + parts.join(", ") + "}";
    }
  }
  return "";
}

function isDigit(c: i32): bool { return c >= 48 && c <= 57; }

function fixed(n: f64, prec: i32): string {
  if (!isFinite(n)) return n.toString();
  const neg = n < 0;
  let x = Math.abs(n);
  const scale = Math.pow(10, <f64>prec);
  let r = Math.round(x * scale);
  const ip = Math.floor(r / scale);
  let fp = r - ip * scale;
  let out = (<i64>ip).toString();
  if (prec > 0) {
    let fs = (<i64>fp).toString();
    while (fs.length < prec) fs = "0" + fs;
    out += "." + fs;
  }
  return (neg && r != 0 ? "-" : "") + out;
}

function intBase(v: V, base: i32): string {
  const n = <i64>v.n;
  const neg = n < 0;
  let m: u64 = <u64>(neg ? -n : n);
  if (m == 0) return "0";
  const digits = "0123456789abcdef";
  let out = "";
  while (m > 0) { out = digits.charAt(<i32>(m % <u64>base)) + out; m /= <u64>base; }
  return (neg ? "-" : "") + out;
}

function hexString(s: string): string {
  const buf = Uint8Array.wrap(String.UTF8.encode(s));
  let out = "";
  for (let i = 0; i < buf.length; i++) { const h = (<i32>buf[i]).toString(16); out += (h.length < 2 ? "0" : "") + h; }
  return out;
}

function bad(verb: string, v: V): string { return "%!" + verb + "(" + regoText(v, true) + ")"; }

export function sprintf(format: string, args: Array<V>): string {
  let out = "";
  let ai = 0;
  let i = 0;
  while (i < format.length) {
    const c = format.charCodeAt(i);
    if (c != 37) { out += String.fromCharCode(c); i++; continue; }
    i++;
    let minus = false, plus = false, zero = false;
    while (i < format.length) {
      const f = format.charCodeAt(i);
      if (f == 45) minus = true; else if (f == 43) plus = true; else if (f == 48) zero = true;
      else if (f != 35 && f != 32) break;
      i++;
    }
    let width = 0;
    while (i < format.length && isDigit(format.charCodeAt(i))) { width = width * 10 + format.charCodeAt(i) - 48; i++; }
    let prec = -1;
    if (i < format.length && format.charCodeAt(i) == 46) {
      i++; prec = 0;
      while (i < format.length && isDigit(format.charCodeAt(i))) { prec = prec * 10 + format.charCodeAt(i) - 48; i++; }
    }
    if (i >= format.length) { out += "%!(NOVERB)"; break; }
    const verb = format.charAt(i);
    i++;
    if (verb == "%") { out += "%"; continue; }
    if (ai >= args.length) { out += "%!" + verb + "(MISSING)"; continue; }
    const a = args[ai++];
    let s = "";
    const isNum = a.kind == K_NUM;
    if (verb == "v" || verb == "s") s = regoText(a, true);
    else if (verb == "d") s = isNum && Math.floor(a.n) == a.n ? (a.t.length > 0 && a.t.indexOf(".") < 0 && a.t.indexOf("e") < 0 ? a.t : intBase(a, 10)) : bad(verb, a);
    else if (verb == "f" || verb == "F") s = isNum ? fixed(a.n, prec < 0 ? 6 : prec) : bad(verb, a);
    else if (verb == "g" || verb == "G" || verb == "e") s = isNum ? numText(a) : bad(verb, a);
    else if (verb == "x" || verb == "X") {
      s = isNum ? intBase(a, 16) : (a.kind == K_STR ? hexString(a.t) : bad(verb, a));
      if (verb == "X") s = s.toUpperCase();
    }
    else if (verb == "o") s = isNum ? intBase(a, 8) : bad(verb, a);
    else if (verb == "b") s = isNum ? intBase(a, 2) : bad(verb, a);
    else if (verb == "q") s = a.kind == K_STR ? quoteGo(a.t) : bad(verb, a);
    else if (verb == "t") s = a.kind == K_BOOL ? (a.b ? "true" : "false") : bad(verb, a);
    else s = "%!" + verb + "(" + regoText(a, true) + ")";
    if (plus && isNum && a.n >= 0 && (verb == "d" || verb == "f" || verb == "v")) s = "+" + s;
    if (s.length < width) {
      const padChar = zero && !minus ? "0" : " ";
      let pad = "";
      for (let k = s.length; k < width; k++) pad += padChar;
      s = minus ? s + pad : pad + s;
    }
    out += s;
  }
  if (ai < args.length) {
    const extra = new Array<string>();
    for (let k = ai; k < args.length; k++) extra.push(regoText(args[k], true));
    out += "%!(EXTRA " + extra.join(", ") + ")";
  }
  return out;
}
