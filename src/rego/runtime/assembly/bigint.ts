// Exact integer arithmetic on decimal digit strings, used when integer operands or results leave
// the range where doubles are exact (|n| >= 2^53). Rego numbers are arbitrary precision.
import { V, K_NUM, vNumT, parseDecimal } from "./value";

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
