// Exact integer arithmetic on decimal digit strings, used when integer operands or results leave
// the range where doubles are exact (|n| >= 2^53). Rego numbers are arbitrary precision.
import { V, K_NUM, vNum, vNumT, parseDecimal, dsText } from "./value";

const SAFE: f64 = 9007199254740992.0; // 2^53
const MAX_DIGITS = 400;

/** Canonical integer text ("-123") of an integral number, or null (fraction, or absurdly large). */
export function intText(v: V): string | null {
  if (v.kind != K_NUM) return null;
  if (v.t.length == 0) {
    if (Math.floor(v.n) != v.n || !isFinite(v.n)) return null;
    if (Math.abs(v.n) < SAFE) return (<i64>v.n).toString();
    return null; // a computed double beyond 2^53 is no longer an exact integer
  }
  const d = parseDecimal(v.t);
  if (d.sign == 0) return "0";
  if (d.exp < d.digits.length || d.exp > MAX_DIGITS) return null;
  let s = d.digits;
  for (let i = d.digits.length; i < d.exp; i++) s += "0";
  return d.sign < 0 ? "-" + s : s;
}

function cmpAbs(a: string, b: string): i32 {
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : (a > b ? 1 : 0);
}

function addAbs(a: string, b: string): string {
  let out = "";
  let carry = 0;
  for (let i = a.length - 1, j = b.length - 1; i >= 0 || j >= 0 || carry > 0; i--, j--) {
    const s = (i >= 0 ? a.charCodeAt(i) - 48 : 0) + (j >= 0 ? b.charCodeAt(j) - 48 : 0) + carry;
    out = String.fromCharCode(48 + s % 10) + out;
    carry = s / 10;
  }
  return out;
}

/** a - b for a >= b. */
function subAbs(a: string, b: string): string {
  let out = "";
  let borrow = 0;
  for (let i = a.length - 1, j = b.length - 1; i >= 0; i--, j--) {
    let s = a.charCodeAt(i) - 48 - (j >= 0 ? b.charCodeAt(j) - 48 : 0) - borrow;
    borrow = 0;
    if (s < 0) { s += 10; borrow = 1; }
    out = String.fromCharCode(48 + s) + out;
  }
  let k = 0;
  while (k < out.length - 1 && out.charCodeAt(k) == 48) k++;
  return out.substring(k);
}

function mulAbs(a: string, b: string): string {
  const r = new Array<i32>(a.length + b.length);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const p = (a.charCodeAt(i) - 48) * (b.charCodeAt(j) - 48) + r[i + j + 1];
      r[i + j + 1] = p % 10;
      r[i + j] += p / 10;
    }
  }
  let out = "";
  for (let i = 0; i < r.length; i++) out += String.fromCharCode(48 + r[i]);
  let k = 0;
  while (k < out.length - 1 && out.charCodeAt(k) == 48) k++;
  return out.substring(k);
}

function split(s: string): bool { return s.charCodeAt(0) == 45; }
function absOf(s: string): string { return split(s) ? s.substring(1) : s; }
function signed(neg: bool, abs: string): string { return neg && abs != "0" ? "-" + abs : abs; }

export function bigAdd(x: string, y: string): string {
  const nx = split(x), ny = split(y);
  const ax = absOf(x), ay = absOf(y);
  if (nx == ny) return signed(nx, addAbs(ax, ay));
  const c = cmpAbs(ax, ay);
  if (c == 0) return "0";
  return c > 0 ? signed(nx, subAbs(ax, ay)) : signed(ny, subAbs(ay, ax));
}

export function bigSub(x: string, y: string): string {
  return bigAdd(x, split(y) ? y.substring(1) : (y == "0" ? y : "-" + y));
}

export function bigMul(x: string, y: string): string {
  return signed(split(x) != split(y), mulAbs(absOf(x), absOf(y)));
}

export function bigAbs(x: string): string { return absOf(x); }

export function numOfText(t: string): V { return vNumT(parseFloat(t), t); }

/** True when the double result r of an operation on a and b may have lost integer exactness. */
export function needsBig(a: V, b: V, r: f64): bool {
  return !isFinite(r) || Math.abs(r) >= SAFE || Math.abs(a.n) >= SAFE || Math.abs(b.n) >= SAFE || !isFinite(a.n) || !isFinite(b.n);
}

// ---------- Exact decimals ----------
// OPA keeps numbers as their decimal text and computes in big.Float/big.Int, so 0.1 + 0.2 == 0.3 holds
// and decimal literals compare exactly. Here a finite number is read as an exact decimal
// int x 10^-scale (from its literal text, or from the shortest text of a computed double), and
// + - * are computed on the digit strings. Division is exact when the quotient is a decimal with at
// most 17 significant digits (checked by multiplying back); otherwise it stays the double quotient.
// Digit strings are capped (MAX_DIGITS) so a pathological literal falls back to doubles instead of
// growing without bound.

class Decimal {
  int: string = "0";   // signed integer digits
  scale: i32 = 0;      // value = int / 10^scale, scale >= 0
}

function zeros(n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += "0";
  return s;
}

// A number without text was computed in doubles (an inexact quotient, a host result): its double is
// all we know, and reading its shortest text as exact would compound the rounding (1/3*3 must stay 1,
// as in IEEE and in OPA's 64-bit big.Float). Only exact integers among them count as decimals.
function textOfNum(v: V): string | null {
  if (v.t.length > 0) return v.t;
  if (v.ds > 0) return dsText(v);
  if (!isFinite(v.n) || Math.floor(v.n) != v.n || Math.abs(v.n) >= SAFE) return null;
  return (<i64>v.n).toString();
}

function decimalOfText(t: string): Decimal | null {
  const d = parseDecimal(t);
  const r = new Decimal();
  if (d.sign == 0) return r;
  // value = 0.digits x 10^exp = digits x 10^(exp - len)
  const shift = d.exp - d.digits.length;
  if (d.digits.length > MAX_DIGITS || shift > MAX_DIGITS || -shift > MAX_DIGITS) return null;
  let digits = d.digits;
  if (shift >= 0) { digits += zeros(shift); r.scale = 0; } else r.scale = -shift;
  r.int = d.sign < 0 ? "-" + digits : digits;
  return r;
}

function decimalOf(v: V): Decimal | null {
  const t = textOfNum(v);
  return t == null ? null : decimalOfText(t!);
}

/** Canonical text: no trailing fractional zeros, "0." for |x| < 1, "-" only when nonzero. */
function decimalText(int: string, scale: i32): string {
  const neg = int.charCodeAt(0) == 45;
  let digits = neg ? int.substring(1) : int;
  while (scale > 0 && digits.length > 0 && digits.charCodeAt(digits.length - 1) == 48) { digits = digits.substring(0, digits.length - 1); scale--; }
  if (digits.length == 0) digits = "0";
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) == 48) k++;
  digits = digits.substring(k);
  if (digits == "0") return "0";
  let out = digits;
  if (scale > 0) {
    if (digits.length <= scale) out = "0." + zeros(scale - digits.length) + digits;
    else out = digits.substring(0, digits.length - scale) + "." + digits.substring(digits.length - scale);
  }
  return neg ? "-" + out : out;
}

function align(x: Decimal, s: i32): string { return x.scale == s ? x.int : x.int + zeros(s - x.scale); }

function significant(int: string): i32 {
  let n = int.length;
  if (int.charCodeAt(0) == 45) n--;
  return n;
}

/** a (+ | - | *) b exactly (op 0, 1, 2), or null when an operand is not finite or too long. */
export function decArith(op: i32, a: V, b: V): V | null {
  const x = decimalOf(a), y = decimalOf(b);
  if (x == null || y == null) return null;
  let int: string, scale: i32;
  if (op == 2) {
    if (significant(x!.int) + significant(y!.int) > MAX_DIGITS * 2) return null;
    int = bigMul(x!.int, y!.int);
    scale = x!.scale + y!.scale;
  } else {
    scale = max(x!.scale, y!.scale);
    const xi = align(x!, scale), yi = align(y!, scale);
    int = op == 0 ? bigAdd(xi, yi) : bigSub(xi, yi);
  }
  return numOfText(decimalText(int, scale));
}

/** `t` rounded half-up to `p` significant digits (p >= 1), as decimal text. */
function roundText(t: string, p: i32): string | null {
  const d = parseDecimal(t);
  if (d.sign == 0 || d.digits.length <= p) return t;
  let keep = d.digits.substring(0, p);
  if (d.digits.charCodeAt(p) >= 53) keep = bigAdd(keep, "1");
  // keep may have gained a digit (999 -> 1000): the value is 0.keep x 10^(exp + carry)
  const exp = d.exp + (keep.length - p);
  const shift = exp - keep.length;
  const int = (d.sign < 0 ? "-" : "") + (shift >= 0 ? keep + zeros(shift) : keep);
  return decimalText(int, shift >= 0 ? 0 : -shift);
}

/** a / b when the quotient is a short decimal, checked exactly (quotient x b == a); else null. */
export function decDiv(a: V, b: V, approx: f64): V | null {
  if (!isFinite(approx)) return null;
  const ya = decimalOf(a), yb = decimalOf(b);
  if (ya == null || yb == null) return null;
  // The quotient's text is only worth keeping when it is exact.
  const shortest = approx.toString();
  const candidates: Array<string> = [shortest];
  for (let p = 15; p <= 16; p++) { const c = roundText(shortest, p); if (c != null) candidates.push(c!); }
  for (let i = 0; i < candidates.length; i++) {
    const q = decimalOfText(candidates[i]);
    if (q == null) continue;
    // q x b == a  <=>  q.int x b.int x 10^(a.scale) == a.int x 10^(q.scale + b.scale)
    const lhs = bigMul(q!.int, yb!.int) + zeros(ya!.scale);
    const rhs = ya!.int + zeros(q!.scale + yb!.scale);
    if (bigSub(lhs, rhs) == "0") return numOfText(decimalText(q!.int, q!.scale));
  }
  return null;
}

/** round (half away from zero), ceil or floor (kind 0, 1, 2) of a number with text, exactly; else null. */
export function decRound(kind: i32, v: V): V | null {
  if (v.t.length == 0) return null;
  const x = decimalOfText(v.t);
  if (x == null) return null;
  if (x!.scale == 0) return numOfText(decimalText(x!.int, 0));
  const neg = x!.int.charCodeAt(0) == 45;
  let digits = neg ? x!.int.substring(1) : x!.int;
  if (digits.length <= x!.scale) digits = zeros(x!.scale - digits.length + 1) + digits;
  const whole = digits.substring(0, digits.length - x!.scale);
  const frac = digits.substring(digits.length - x!.scale);
  let nonzero = false;
  for (let i = 0; i < frac.length; i++) if (frac.charCodeAt(i) != 48) { nonzero = true; break; }
  // Away from zero: round at half or more, ceil of a positive and floor of a negative with a fraction.
  const away = kind == 0 ? frac.charCodeAt(0) >= 53 : (nonzero && (kind == 1 ? !neg : neg));
  const mag = away ? bigAdd(whole, "1") : whole;
  return numOfText(decimalText(neg ? "-" + mag : mag, 0));
}

// ---------- The fast path: decimals of up to 17 significant digits as (i64, scale) ----------
// Most decimals in policies are short ("0.25", "1.5", "99.9"). Reading them into an i64 and a scale
// without building strings keeps exact arithmetic almost as cheap as doubles: the module's bump
// allocator keeps every intermediate string until the evaluation ends, so the digit-string path
// above is only for numbers that do not fit here.

let fInt: i64 = 0;
let fScale: i32 = 0;
const LIMIT: f64 = 9.0e18;

const POW10: StaticArray<i64> = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
  10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
  10000000000000000, 100000000000000000, 1000000000000000000];

/** Reads v into fInt / fScale (value = fInt / 10^fScale); false when it does not fit. */
const POW10F: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];
const SHORT: f64 = 1.0e15;

function fastDec(v: V): bool {
  const t = v.t;
  if (v.ds > 0) {
    fScale = <i32>v.ds - 1;
    fInt = <i64>Math.round(v.n * POW10F[fScale]);
    return true;
  }
  if (t.length == 0) {
    if (!isFinite(v.n) || Math.floor(v.n) != v.n || Math.abs(v.n) >= SAFE) return false;
    fInt = <i64>v.n; fScale = 0;
    return true;
  }
  let i = 0, neg = false;
  if (t.charCodeAt(0) == 45) { neg = true; i = 1; } else if (t.charCodeAt(0) == 43) i = 1;
  let int: i64 = 0, digits = 0, scale = 0, point = false;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 || c != 48) digits++;
      if (digits > 17) return false;
      int = int * 10 + <i64>(c - 48);
      if (point) scale++;
    } else if (c == 46) point = true;
    else if (c == 101 || c == 69) {
      let j = i + 1, eneg = false, e = 0;
      if (j < t.length && (t.charCodeAt(j) == 45 || t.charCodeAt(j) == 43)) { eneg = t.charCodeAt(j) == 45; j++; }
      for (; j < t.length; j++) { e = e * 10 + (t.charCodeAt(j) - 48); if (e > 400) return false; }
      scale -= eneg ? -e : e;
      break;
    } else return false;
  }
  if (scale < 0) {
    if (digits - scale > 17) return false;
    int *= POW10[-scale];
    scale = 0;
  }
  if (scale > 18) return false;
  fInt = neg ? -int : int;
  fScale = scale;
  return true;
}

function fastText(int: i64, scale: i32): V {
  while (scale > 0 && int % 10 == 0) { int /= 10; scale--; }
  const small = Math.abs(<f64>int) < SAFE;
  // An integer below 2^53 is exact as a double and needs no text.
  if (scale == 0) return small ? vNum(<f64>int) : vNumT(<f64>int, int.toString());
  if (Math.abs(<f64>int) < SHORT) {
    // Both exact doubles (|int| < 10^15, 10^scale <= 10^18): IEEE division rounds correctly.
    const v = vNum(<f64>int / POW10F[scale]);
    v.ds = <u8>(scale + 1);
    return v;
  }
  const neg = int < 0;
  const digits = (neg ? -int : int).toString();
  let text: string;
  if (digits.length <= scale) text = "0." + "000000000000000000".substring(0, scale - digits.length) + digits;
  else text = digits.substring(0, digits.length - scale) + "." + digits.substring(digits.length - scale);
  if (neg) text = "-" + text;
  return vNumT(parseFloat(text), text);
}

/** a (+ | - | *) b (op 0, 1, 2) exactly when both operands and the result fit; else null. */
export function fastArith(op: i32, a: V, b: V): V | null {
  if (!fastDec(a)) return null;
  const ia = fInt, sa = fScale;
  if (!fastDec(b)) return null;
  const ib = fInt, sb = fScale;
  if (op == 2) {
    if (Math.abs(<f64>ia * <f64>ib) >= LIMIT || sa + sb > 18) return null;
    return fastText(ia * ib, sa + sb);
  }
  const s = max(sa, sb);
  const xa = <f64>ia * <f64>POW10[s - sa], xb = <f64>ib * <f64>POW10[s - sb];
  if (Math.abs(xa) + Math.abs(xb) >= LIMIT) return null;
  const x = ia * POW10[s - sa], y = ib * POW10[s - sb];
  return fastText(op == 0 ? x + y : x - y, s);
}

/** Set by fastDiv: the operands fit, so a null quotient is known not to be a terminating decimal. */
export let fastDivKnown = false;

/** a / b exactly when the quotient is a terminating decimal that fits; null otherwise (or b == 0). */
export function fastDiv(a: V, b: V): V | null {
  fastDivKnown = false;
  if (!fastDec(a)) return null;
  const ia = fInt, sa = fScale;
  if (!fastDec(b)) return null;
  const ib = fInt, sb = fScale;
  if (ib == 0) return null;
  // a / b = (ia x 10^sb) / (ib x 10^sa)
  if (Math.abs(<f64>ia * <f64>POW10[sb]) >= LIMIT || Math.abs(<f64>ib * <f64>POW10[sa]) >= LIMIT) return null;
  let num = ia * POW10[sb], den = ib * POW10[sa];
  if (den < 0) { num = -num; den = -den; }
  // num / den terminates iff den = 2^x 5^y r with r dividing num; the quotient is then
  // (num / r) x (10^k / (2^x 5^y)) / 10^k with k = max(x, y).
  let twos = 0, fives = 0, r = den;
  while ((r & 1) == 0) { r >>= 1; twos++; }
  while (r % 5 == 0) { r /= 5; fives++; }
  fastDivKnown = true;
  if (num % r != 0) return null;
  const k = max(twos, fives);
  if (k > 18) return null;
  const mult = POW10[k] / (den / r);
  const q = num / r;
  if (Math.abs(<f64>q * <f64>mult) >= LIMIT) return null;
  return fastText(q * mult, k);
}

// ---------- bits.* on integers of any size (OPA: big.Int, whose bit operations act on an infinite
// two's complement; a negative x is handled as ~(|x| - 1), as math/big does) ----------

/** Magnitude of a decimal digit string as little-endian 32-bit limbs. */
export function magOf(abs: string): Array<u32> {
  const m = new Array<u32>();
  for (let i = 0; i < abs.length; i++) {
    let carry: u64 = <u64>(abs.charCodeAt(i) - 48);
    for (let k = 0; k < m.length; k++) {
      const p: u64 = <u64>m[k] * 10 + carry;
      m[k] = <u32>(p & 0xffffffff);
      carry = p >> 32;
    }
    if (carry != 0) m.push(<u32>carry);
  }
  return trimMag(m);
}

export function trimMag(m: Array<u32>): Array<u32> {
  while (m.length > 0 && m[m.length - 1] == 0) m.pop();
  return m;
}

export function decOf(mag: Array<u32>): string {
  const m = mag.slice(0);
  trimMag(m);
  if (m.length == 0) return "0";
  let out = "";
  while (m.length > 0) {
    let rem: u64 = 0;
    for (let i = m.length - 1; i >= 0; i--) {
      const cur: u64 = (rem << 32) | <u64>m[i];
      m[i] = <u32>(cur / 1000000000);
      rem = cur % 1000000000;
    }
    trimMag(m);
    let chunk = rem.toString();
    if (m.length > 0) while (chunk.length < 9) chunk = "0" + chunk;
    out = chunk + out;
  }
  return out;
}

/** |m| + 1 and |m| - 1 (m > 0). */
function magAdd1(m: Array<u32>): Array<u32> {
  const r = m.slice(0);
  for (let i = 0; i < r.length; i++) {
    if (r[i] != 0xffffffff) { r[i] += 1; return r; }
    r[i] = 0;
  }
  r.push(1);
  return r;
}
function magSub1(m: Array<u32>): Array<u32> {
  const r = m.slice(0);
  for (let i = 0; i < r.length; i++) {
    if (r[i] != 0) { r[i] -= 1; return trimMag(r); }
    r[i] = 0xffffffff;
  }
  return trimMag(r);
}

const B_AND = 0, B_OR = 1, B_XOR = 2, B_ANDNOT = 3;
function magBits(op: i32, a: Array<u32>, b: Array<u32>): Array<u32> {
  const n = a.length > b.length ? a.length : b.length;
  const r = new Array<u32>(n);
  for (let i = 0; i < n; i++) {
    const x: u32 = i < a.length ? a[i] : 0, y: u32 = i < b.length ? b[i] : 0;
    r[i] = op == B_AND ? x & y : op == B_OR ? x | y : op == B_XOR ? x ^ y : x & ~y;
  }
  return trimMag(r);
}

function magShr(m: Array<u32>, s: i32): Array<u32> {
  const words = s >> 5, bits = s & 31;
  const r = new Array<u32>();
  for (let i = words; i < m.length; i++) {
    const lo: u64 = <u64>m[i] >> bits;
    const hi: u64 = bits > 0 && i + 1 < m.length ? (<u64>m[i + 1] << (32 - bits)) & 0xffffffff : 0;
    r.push(<u32>(lo | hi));
  }
  return trimMag(r);
}

const neg = (m: Array<u32>): string => { const d = decOf(m); return d == "0" ? d : "-" + d; };

/** bits.and (0), bits.or (1), bits.xor (2) of two integer texts, as math/big's And, Or, Xor. */
export function bigBits(op: i32, x: string, y: string): string {
  const nx = split(x), ny = split(y);
  const ax = magOf(absOf(x)), ay = magOf(absOf(y));
  if (!nx && !ny) return decOf(magBits(op, ax, ay));
  if (nx && ny) {
    const a1 = magSub1(ax), b1 = magSub1(ay);
    if (op == B_AND) return neg(magAdd1(magBits(B_OR, a1, b1)));
    if (op == B_OR) return neg(magAdd1(magBits(B_AND, a1, b1)));
    return decOf(magBits(B_XOR, a1, b1));
  }
  const p = nx ? ay : ax, n1 = magSub1(nx ? ax : ay);
  if (op == B_AND) return decOf(magBits(B_ANDNOT, p, n1));
  if (op == B_OR) return neg(magAdd1(magBits(B_ANDNOT, n1, p)));
  return neg(magAdd1(magBits(B_XOR, p, n1)));
}

/** x >> s rounding towards negative infinity, as big.Int.Rsh. */
export function bigRsh(x: string, s: i32): string {
  if (!split(x)) return decOf(magShr(magOf(x), s));
  return neg(magAdd1(magShr(magSub1(magOf(absOf(x))), s)));
}

/** ^x = -x - 1, as big.Int.Not. */
export function bigNot(x: string): string { return bigSub(bigSub("0", x), "1"); }
