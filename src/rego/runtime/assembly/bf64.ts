// Arithmetic as OPA does it where it leaves integers: on Go big.Floats of 64-bit mantissa. OPA reads
// each operand's text into a big.Float (SetString: default precision 64, one correctly rounded step
// while the decimal exponent is within 5^±55), applies the operation (rounded to nearest even at 64
// bits) and writes the result back as the shortest decimal that reads back as the same 64-bit value,
// in Go's %g layout (Text('g', -1): an exponent form below 1e-4 and from 1e6 on).
//
// The runtime never frees memory within an evaluation, so everything here works in place on a few
// fixed buffers allocated once at start-up; an operation allocates only its result's text.
import { V, dsText } from "./value";
import { numOfText } from "./bigint";

const PREC = 64;
const LIMBS = 160;                         // 5120 bits: 1e-300 needs about 2,500
const A = new StaticArray<u32>(LIMBS);     // numerator / working values
const B = new StaticArray<u32>(LIMBS);     // denominator
const Q = new StaticArray<u32>(LIMBS);     // quotient
const R = new StaticArray<u32>(LIMBS);     // remainder
const T = new StaticArray<u32>(LIMBS);     // scratch
const X = new StaticArray<u32>(LIMBS);     // decimal expansion: x
const P = new StaticArray<u32>(LIMBS);     // decimal expansion: half an ulp
const DIG = new StaticArray<u8>(3 * 1700); // digits of x, lower and upper bound
const TMPD = new StaticArray<u8>(1700);    // digits, least significant first
let overflow = false;
// Limbs in use by the current step: loops stop there (values never reach past it; shl flags overflow).
let W: i32 = LIMBS;
function width(bits: i32): void { W = min(LIMBS, (bits >> 5) + 3); }
const OUT = new StaticArray<u8>(1800);     // the result's text

function zero(x: StaticArray<u32>): void { memory.fill(changetype<usize>(x), 0, <usize>LIMBS << 2); }
function copy(d: StaticArray<u32>, s: StaticArray<u32>): void { memory.copy(changetype<usize>(d), changetype<usize>(s), <usize>LIMBS << 2); }
function setU64(x: StaticArray<u32>, v: u64): void { zero(x); x[0] = <u32>(v & 0xffffffff); x[1] = <u32>(v >> 32); }
function used(x: StaticArray<u32>): i32 { let n = W; while (n > 0 && unchecked(x[n - 1]) == 0) n--; return n; }
function isZero(x: StaticArray<u32>): bool { return used(x) == 0; }
function bitLen(x: StaticArray<u32>): i32 { const n = used(x); return n == 0 ? 0 : (n - 1) * 32 + (32 - <i32>clz(x[n - 1])); }
function bit(x: StaticArray<u32>, i: i32): bool { return i >= 0 && (i >> 5) < W && ((x[i >> 5] >> (i & 31)) & 1) != 0; }

function shl(x: StaticArray<u32>, s: i32): void {
  if (s <= 0) return;
  if (bitLen(x) + s > (W - 1) * 32) { overflow = true; return; }
  const w = s >> 5, b = s & 31;
  for (let i = W - 1; i >= 0; i--) {
    const src = i - w;
    let v: u32 = src >= 0 ? unchecked(x[src]) << b : 0;
    if (b > 0 && src - 1 >= 0) v |= unchecked(x[src - 1]) >> (32 - b);
    unchecked(x[i] = v);
  }
}

function shr(x: StaticArray<u32>, s: i32): void {
  if (s <= 0) return;
  const w = s >> 5, b = s & 31;
  for (let i = 0; i < W; i++) {
    const src = i + w;
    let v: u32 = src < W ? unchecked(x[src]) >> b : 0;
    if (b > 0 && src + 1 < W) v |= unchecked(x[src + 1]) << (32 - b);
    unchecked(x[i] = v);
  }
}

function cmp(a: StaticArray<u32>, b: StaticArray<u32>): i32 {
  for (let i = W - 1; i >= 0; i--) { const x = unchecked(a[i]), y = unchecked(b[i]); if (x != y) return x < y ? -1 : 1; }
  return 0;
}

/** a += b */
function addTo(a: StaticArray<u32>, b: StaticArray<u32>): void {
  let c: u64 = 0;
  for (let i = 0; i < W; i++) {
    const s: u64 = <u64>a[i] + <u64>b[i] + c;
    a[i] = <u32>(s & 0xffffffff);
    c = s >> 32;
  }
  if (c != 0) overflow = true;
}

/** a -= b, a >= b */
function subFrom(a: StaticArray<u32>, b: StaticArray<u32>): void {
  let borrow: i64 = 0;
  for (let i = 0; i < W; i++) {
    let d: i64 = <i64>a[i] - <i64>b[i] - borrow;
    borrow = 0;
    if (d < 0) { d += 0x100000000; borrow = 1; }
    a[i] = <u32>d;
  }
}

/** x = x * k + add */
function mulSmall(x: StaticArray<u32>, k: u32, add: u32): void {
  let c: u64 = <u64>add;
  for (let i = 0; i < W; i++) {
    const t: u64 = <u64>unchecked(x[i]) * <u64>k + c;
    unchecked(x[i] = <u32>(t & 0xffffffff));
    c = t >> 32;
  }
  if (c != 0) overflow = true;
}

function mulPow(x: StaticArray<u32>, base: u32, n: i32): void {
  // base^13 fits in 32 bits for base 5; base^9 for base 10
  const chunk = base == 5 ? 13 : 9;
  const big: u32 = base == 5 ? 1220703125 : 1000000000;
  while (n >= chunk) { mulSmall(x, big, 0); n -= chunk; }
  let r: u32 = 1;
  for (let i = 0; i < n; i++) r *= base;
  if (r > 1) mulSmall(x, r, 0);
}

/** d = a * b (d distinct from a and b) */
function mulInto(d: StaticArray<u32>, a: StaticArray<u32>, b: StaticArray<u32>): void {
  zero(d);
  const na = used(a), nb = used(b);
  if (na + nb > W) { overflow = true; return; }
  for (let i = 0; i < na; i++) {
    let c: u64 = 0;
    for (let j = 0; j < nb; j++) {
      const t: u64 = <u64>a[i] * <u64>b[j] + <u64>d[i + j] + c;
      d[i + j] = <u32>(t & 0xffffffff);
      c = t >> 32;
    }
    d[i + nb] = <u32>c;
  }
}

/**
 * Q = n / d and whether the remainder is nonzero, by shift and subtract with the remainder held in three
 * u64 registers: every divisor here (a 64-bit mantissa, or 10^k for |k| <= 55) fits in 192 bits.
 */
function divmodFast(n: StaticArray<u32>, d: StaticArray<u32>): bool {
  zero(Q);
  const d0: u64 = (<u64>d[1] << 32) | <u64>d[0], d1: u64 = (<u64>d[3] << 32) | <u64>d[2], d2: u64 = (<u64>d[5] << 32) | <u64>d[4];
  let r0: u64 = 0, r1: u64 = 0, r2: u64 = 0;
  for (let i = bitLen(n) - 1; i >= 0; i--) {
    const carry = r2 >> 63;
    r2 = (r2 << 1) | (r1 >> 63);
    r1 = (r1 << 1) | (r0 >> 63);
    r0 = (r0 << 1) | <u64>((unchecked(n[i >> 5]) >> (i & 31)) & 1);
    const ge = carry != 0 || r2 > d2 || (r2 == d2 && (r1 > d1 || (r1 == d1 && r0 >= d0)));
    if (ge) {
      const b0: u64 = r0 < d0 ? 1 : 0;
      r0 -= d0;
      const t1 = r1 - d1;
      const b1: u64 = (r1 < d1 ? 1 : 0) | (t1 < b0 ? 1 : 0);
      r1 = t1 - b0;
      r2 = r2 - d2 - b1;
      unchecked(Q[i >> 5] |= <u32>1 << (i & 31));
    }
  }
  return (r0 | r1 | r2) != 0;
}

/** Q = n / d, R = n % d, by shift and subtract (a few hundred bits at most here). */
function divmod(n: StaticArray<u32>, d: StaticArray<u32>): void {
  zero(Q); zero(R);
  for (let i = bitLen(n) - 1; i >= 0; i--) {
    shl(R, 1);
    if (bit(n, i)) R[0] |= 1;
    if (cmp(R, d) >= 0) { subFrom(R, d); Q[i >> 5] |= <u32>1 << (i & 31); }
  }
}

// The result of round(): mantissa (exactly 64 bits, or 0) and binary exponent: value = RM x 2^RE.
let RM: u64 = 0;
let RE: i32 = 0;

/** A / B x 2^e2 rounded to nearest even at 64 bits into RM, RE (A and B are consumed). */
function round(e2: i32): void {
  RM = 0; RE = 0;
  if (isZero(A)) return;
  const one = used(B) == 1 && B[0] == 1;
  const s = PREC + 2 - (bitLen(A) - bitLen(B));
  let sticky = false;
  if (one) {
    // No division: the extra low bits are the rounding information.
    copy(Q, A);
    const extra = bitLen(Q) - PREC;
    if (extra <= 0) { shl(Q, -extra); RM = (<u64>Q[1] << 32) | <u64>Q[0]; RE = e2 + extra; return; }
    finish(e2, extra, false);
    return;
  }
  if (s >= 0) shl(A, s); else shl(B, -s);
  if (overflow) return;
  if (used(B) <= 6) sticky = divmodFast(A, B);
  else { divmod(A, B); sticky = !isZero(R); }
  finish(e2 - s, bitLen(Q) - PREC, sticky);
}

function finish(e: i32, extra: i32, sticky0: bool): void {
  const roundBit = bit(Q, extra - 1);
  let sticky = sticky0;
  for (let i = 0; i < extra - 1 && !sticky; i++) if (bit(Q, i)) sticky = true;
  shr(Q, extra);
  let m: u64 = (<u64>Q[1] << 32) | <u64>Q[0];
  let ex = e + extra;
  if (roundBit && (sticky || (m & 1) != 0)) {
    m += 1;
    if (m == 0) { m = <u64>1 << 63; ex++; }
  }
  RM = m; RE = ex;
}

/** A number's text read as Go's big.Float SetString reads it (into RM, RE and the sign); false if out of range. */
let RNEG = false;
function fromText(t: string): bool {
  // Read sign, digits, point and exponent without allocating: digits go straight into A.
  let i = 0, n = t.length;
  RNEG = false;
  if (n > 0 && t.charCodeAt(0) == 45) { RNEG = true; i = 1; } else if (n > 0 && t.charCodeAt(0) == 43) i = 1;
  let ndig = 0, frac = 0, point = false, e10 = 0;
  let j = i;
  for (; j < n; j++) {
    const c = t.charCodeAt(j);
    if (c == 46) { point = true; continue; }
    if (c == 101 || c == 69) break;
    if (c < 48 || c > 57) return false;
    ndig++;
    if (point) frac++;
  }
  if (j < n) {
    let k = j + 1, eneg = false;
    if (k < n && (t.charCodeAt(k) == 45 || t.charCodeAt(k) == 43)) { eneg = t.charCodeAt(k) == 45; k++; }
    for (; k < n; k++) { const c = t.charCodeAt(k); if (c < 48 || c > 57 || e10 > 100000) return false; e10 = e10 * 10 + (c - 48); }
    if (eneg) e10 = -e10;
  }
  if (ndig > 400) return false;
  const k10 = e10 - frac;
  if (k10 > 55 || k10 < -55) return false;
  width(ndig * 4 + (k10 < 0 ? -k10 : k10) * 4 + 140);
  zero(A);
  let lead = true, sig = 0;
  for (let p = i; p < j; p++) {
    const c = t.charCodeAt(p);
    if (c == 46) continue;
    if (lead && c == 48) continue;
    lead = false;
    sig++;
    mulSmall(A, 10, <u32>(c - 48));
  }
  if (sig == 0) { RM = 0; RE = 0; return true; }
  // Go's scan keeps every digit in the mantissa (trailing zeros too) and scales by 10^k10 once.
  const k = k10;
  if (k > 55 || k < -55) return false;
  zero(B); B[0] = 1;
  if (k >= 0) mulPow(A, 10, k); else mulPow(B, 10, -k);
  if (overflow) return false;
  round(0);
  return !overflow;
}

function textOf(v: V): string | null {
  if (v.t.length > 0) return v.t;
  if (v.ds > 0) return dsText(v);
  if (Math.floor(v.n) == v.n && Math.abs(v.n) < 9007199254740992.0) return (<i64>v.n).toString();
  return null;
}

// ---------- shortest decimal, as Go's big.Float Text('g', -1) ----------

/** Writes the decimal digits of x (consumed) at DIG[off..], trailing zeros dropped; returns the count. */
let NDIG: i32 = 0;
function digitsOf(x: StaticArray<u32>, off: i32): i32 {
  // 9 digits per division by 10^9, least significant chunk first.
  let n = 0;
  let top = used(x);
  while (top > 0) {
    let rem: u64 = 0;
    for (let i = top - 1; i >= 0; i--) {
      const cur: u64 = (rem << 32) | <u64>unchecked(x[i]);
      unchecked(x[i] = <u32>(cur / 1000000000));
      rem = cur % 1000000000;
    }
    while (top > 0 && unchecked(x[top - 1]) == 0) top--;
    const last = top == 0;
    for (let j = 0; j < 9; j++) {
      if (last && rem == 0) break;
      TMPD[n++] = <u8>(rem % 10);
      rem /= 10;
    }
  }
  NDIG = n;
  // reverse into DIG, most significant first
  for (let i = 0; i < n; i++) DIG[off + i] = <u8>(48 + TMPD[n - 1 - i]);
  let len = n;
  while (len > 0 && DIG[off + len - 1] == 48) len--;
  return len;
}

function at(off: i32, len: i32, i: i32): i32 { return i < len ? <i32>DIG[off + i] : 48; }

const OX = 0, OL = 1700, OU = 3400;
let SDEXP: i32 = 0;

/** Go's shortest digits of RM x 2^RE (walk the digits of x against those of its rounding bounds). */
function shortestDigits(m: u64, e: i32): i32 {
  // mant has 65 bits, its lowest bit half an ulp: bounds are mant -/+ 1 at the same exponent.
  const exp = e - 1;
  width(exp >= 0 ? exp + 140 : -exp * 7 / 3 + 140);
  setU64(X, m); shl(X, 1);
  if (exp >= 0) {
    setU64(P, 1); shl(P, exp);
    shl(X, exp);
  } else {
    setU64(P, 1); mulPow(P, 5, -exp);
    mulInto(A, X, P); copy(X, A);
  }
  // lower = X - P, upper = X + P
  copy(A, X); subFrom(A, P);
  copy(B, X); addTo(B, P);
  copy(R, X);
  // Go walks the three digit strings position by position, whatever their decimal exponents.
  const xl = digitsOf(R, OX);
  let dexp = NDIG + (exp < 0 ? exp : 0);
  const ll = digitsOf(A, OL);
  const ul = digitsOf(B, OU);
  const inclusive = (m & 1) == 0;
  for (let i = 0; i < xl; i++) {
    const c = <i32>DIG[OX + i], l = at(OL, ll, i), u = at(OU, ul, i);
    const okdown = l != c || (inclusive && i + 1 == ll);
    const okup = c != u && (inclusive || c + 1 < u || i + 1 < ul);
    let up = false;
    if (okdown && okup) {
      const next = at(OX, xl, i + 1);
      up = next == 53 && i + 2 == xl ? ((c - 48) & 1) != 0 : next >= 53;
    } else if (okup) up = true;
    else if (!okdown) continue;
    let n = i + 1;
    if (up) {
      let j = n - 1;
      while (j >= 0 && DIG[OX + j] == 57) j--;
      if (j < 0) { DIG[OX] = 49; n = 1; dexp++; }
      else { DIG[OX + j] = DIG[OX + j] + 1; n = j + 1; }
    }
    while (n > 1 && DIG[OX + n - 1] == 48) n--;
    SDEXP = dexp;
    return n;
  }
  SDEXP = dexp;
  return xl;
}

let OUTN = 0;
function put(c: i32): void { OUT[OUTN++] = <u8>c; }

function gText(neg: bool, m: u64, e: i32): string {
  if (m == 0) return neg ? "-0" : "0";
  const n = shortestDigits(m, e);
  return layout(neg, n, SDEXP);
}

/** Go's %g layout of the digits DIG[OX..OX+n) with value 0.digits x 10^dexp. */
function layout(neg: bool, n: i32, dexp: i32): string {
  OUTN = 0;
  if (neg) put(45);
  const x = dexp - 1;
  if (x < -4 || x >= 6) {
    put(DIG[OX]);
    if (n > 1) { put(46); for (let i = 1; i < n; i++) put(DIG[OX + i]); }
    put(101); put(x < 0 ? 45 : 43);
    const ax = x < 0 ? -x : x;
    if (ax >= 100) put(48 + ax / 100);
    put(48 + (ax / 10) % 10); put(48 + ax % 10);
  } else if (dexp <= 0) {
    put(48); put(46);
    for (let i = 0; i < -dexp; i++) put(48);
    for (let i = 0; i < n; i++) put(DIG[OX + i]);
  } else {
    for (let i = 0; i < max(n, dexp); i++) {
      if (i == dexp) put(46);
      put(i < n ? DIG[OX + i] : 48);
    }
  }
  return String.UTF8.decodeUnsafe(changetype<usize>(OUT), <usize>OUTN);
}

/**
 * The quotient of two integers below 2^53 whose exact value `q` (decimal text) is a terminating decimal
 * of at most 15 significant digits, as OPA prints it. Such operands read exactly, Quo rounds q to its
 * nearest 64-bit value, and no other decimal of that length lies within half an ulp of it, so Go's
 * shortest text has q's digits: only the %g layout is left to apply. Null when q has more digits.
 */
export function bfShortQuotient(q: string): V | null {
  let neg = false, i = 0;
  if (q.charCodeAt(0) == 45) { neg = true; i = 1; }
  // digits without the point, and the point's position
  let n = 0, point = -1, lead = 0, seen = false;
  for (let j = i; j < q.length; j++) {
    const c = q.charCodeAt(j);
    if (c == 46) { point = n; continue; }
    if (c < 48 || c > 57) return null;
    if (!seen && c == 48) { lead++; n++; continue; }
    seen = true;
    if (n - lead >= 1700) return null;
    DIG[OX + n - lead] = <u8>c;
    n++;
  }
  if (!seen) return null;
  if (point < 0) point = n;
  let len = n - lead;
  while (len > 1 && DIG[OX + len - 1] == 48) len--;
  if (len > 15) return null;
  SDEXP = point - lead;
  const text = layout(neg, len, SDEXP);
  const v = numOfText(text);
  for (let k = 0; k < text.length; k++) { const c = text.charCodeAt(k); if (c == 46 || c == 101) { v.bf = true; break; } }
  return v;
}

/**
 * a + b, a - b, a x b or a / b (op 0..3) as OPA computes them on big.Floats, or null when an operand
 * has no text (a double from elsewhere), is out of the range read with one rounding, or b is 0 in a division.
 */
export function bfArith(op: i32, a: V, b: V): V | null {
  const ta = textOf(a), tb = textOf(b);
  if (ta == null || tb == null) return null;
  overflow = false;
  if (!fromText(ta!)) return null;
  const xn = RNEG, xm = RM, xe = RE;
  if (!fromText(tb!)) return null;
  let yn = RNEG;
  const ym = RM, ye = RE;
  let neg = false;
  if (op == 2 || op == 3) {
    neg = xn != yn;
    if (op == 3 && ym == 0) return null;
    if (xm == 0) { RM = 0; RE = 0; }
    else if (op == 2) {
      if (ym == 0) { RM = 0; RE = 0; }
      else { width(200); setU64(T, xm); setU64(B, ym); mulInto(A, T, B); setU64(B, 1); round(xe + ye); }
    } else { width(240); setU64(A, xm); setU64(B, ym); round(xe - ye); }
  } else {
    if (op == 1) yn = !yn;
    if (xm == 0 && ym == 0) { neg = xn && yn; RM = 0; RE = 0; }
    else if (xm == 0) { neg = yn; RM = ym; RE = ye; }
    else if (ym == 0) { neg = xn; RM = xm; RE = xe; }
    else {
      const e = min(xe, ye);
      if (max(xe, ye) - e > 4000) return null;
      width(max(xe, ye) - e + 200);
      setU64(A, xm); shl(A, xe - e);
      setU64(T, ym); shl(T, ye - e);
      if (overflow) return null;
      if (xn == yn) { addTo(A, T); neg = xn; }
      else {
        const c = cmp(A, T);
        if (c == 0) zero(A);
        else if (c > 0) { subFrom(A, T); neg = xn; }
        else { copy(B, T); subFrom(B, A); copy(A, B); neg = yn; }
      }
      setU64(B, 1);
      round(e);
      // An exact zero from x - x is +0 under round-to-nearest-even.
      if (RM == 0) neg = false;
    }
  }
  if (overflow) return null;
  const text = gText(neg, RM, RE);
  if (overflow) return null;
  const v = numOfText(text);
  // An integer result continues as an integer (OPA's int paths); only a fraction or exponent form stays binary.
  for (let i = 0; i < text.length; i++) { const c = text.charCodeAt(i); if (c == 46 || c == 101) { v.bf = true; break; } }
  return v;
}
