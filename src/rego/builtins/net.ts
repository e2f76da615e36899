// net.cidr_*: addresses and prefixes as bigints (IPv4 and IPv6 alike), parsed as Go's net package
// parses them (node:net's isIP accepts the same textual forms).
import { isIPv4, isIPv6 } from 'node:net';
import { builtinError, str, typeError, typeName, type HostBuiltin, type Json } from './args.js';

interface Net { bits: bigint; len: number; size: 32 | 128 }

/** Expansions of one CIDR are materialised as a set: cap them well below the memory budget. */
const MAX_EXPAND = 1 << 20;

function ipBits(addr: string): { bits: bigint; size: 32 | 128 } | undefined {
  if (isIPv4(addr)) return { bits: addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), size: 32 };
  if (!isIPv6(addr)) return undefined;
  let text = addr.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipBits(v4[1]!)!.bits;
    text = text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), size: 128 };
}

function parseCidr(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = ipBits(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText) || Number(lenText) > ip.size) return undefined;
  return { bits: ip.bits, len: Number(lenText), size: ip.size };
}

/** A CIDR, or a bare address taken as a single-address prefix. */
function parseNet(name: string, s: string): Net {
  const n = parseCidr(s);
  if (n) return n;
  const ip = ipBits(s);
  if (!ip) return builtinError(name, `invalid CIDR address: ${s}`);
  return { bits: ip.bits, len: ip.size, size: ip.size };
}

const mask = (n: Net): bigint => ((1n << BigInt(n.size)) - 1n) ^ ((1n << BigInt(n.size - n.len)) - 1n);
const first = (n: Net): bigint => n.bits & mask(n);
const last = (n: Net): bigint => first(n) | ((1n << BigInt(n.size - n.len)) - 1n);

function contains(outer: Net, inner: Net): boolean {
  return outer.size === inner.size && inner.len >= outer.len && first(outer) === (inner.bits & mask(outer));
}

export function formatIp(bits: bigint, size: 32 | 128): string {
  if (size === 32) return [24n, 16n, 8n, 0n].map((s) => ((bits >> s) & 0xffn).toString()).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // Go prints the longest run (at least two) of zero groups as "::".
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** The elements of a string / array / set / object argument with the key OPA reports for each. */
function entries(name: string, v: Json, i: number): Array<[Json, string]> {
  const cidrOf = (x: Json): string => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && typeof x[0] === 'string') return x[0];
    return builtinError(name, `operand ${i}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, k) => [k, cidrOf(x)]);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, cidrOf(x)]);
  return typeError(name, `operand ${i} must be one of {string, array, set, object} but got ${typeName(v)}`);
}

/** The fewest prefixes covering exactly the given ranges of one address family. */
function mergeRanges(ranges: Array<[bigint, bigint]>, size: 32 | 128): string[] {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[bigint, bigint]> = [];
  for (const r of ranges) {
    const top = merged[merged.length - 1];
    if (top && r[0] <= top[1] + 1n) { if (r[1] > top[1]) top[1] = r[1]; } else merged.push([r[0], r[1]]);
  }
  const out: string[] = [];
  for (let [lo, hi] of merged) {
    while (lo <= hi) {
      let len = size;
      while (len > 0) {
        const block = 1n << BigInt(size - len + 1);
        if ((lo & (block - 1n)) !== 0n || lo + block - 1n > hi) break;
        len--;
      }
      out.push(`${formatIp(lo, size)}/${len}`);
      lo += 1n << BigInt(size - len);
    }
  }
  return out;
}

export const NET_BUILTINS: Record<string, HostBuiltin> = {
  'net.cidr_contains': { arity: 2, fn: (a, c) => contains(parseNet('net.cidr_contains', str('net.cidr_contains', a, 1)), parseNet('net.cidr_contains', str('net.cidr_contains', c, 2))) },
  'net.cidr_intersects': { arity: 2, fn: (a, c) => {
    const x = parseNet('net.cidr_intersects', str('net.cidr_intersects', a, 1)), y = parseNet('net.cidr_intersects', str('net.cidr_intersects', c, 2));
    return x.size === y.size && first(x) <= last(y) && first(y) <= last(x);
  } },
  // Deprecated alias kept by OPA: is the address inside the CIDR?
  'net.cidr_overlap': { arity: 2, fn: (a, c) => contains(parseNet('net.cidr_overlap', str('net.cidr_overlap', a, 1)), parseNet('net.cidr_overlap', str('net.cidr_overlap', c, 2))) },
  'net.cidr_is_valid': { arity: 1, fn: (s) => typeof s === 'string' && parseCidr(s) !== undefined },
  'net.cidr_expand': { arity: 1, fn: (s) => {
    const name = 'net.cidr_expand';
    const text = str(name, s, 1);
    const n = parseCidr(text);
    if (!n) return builtinError(name, `invalid CIDR address: ${text}`);
    const count = last(n) - first(n) + 1n;
    if (count > BigInt(MAX_EXPAND)) builtinError(name, `${text} has ${count} addresses, more than the ${MAX_EXPAND} meshguard expands`);
    const out: string[] = [];
    for (let ip = first(n); ip <= last(n); ip++) out.push(formatIp(ip, n.size));
    return out;
  } },
  'net.cidr_merge': { arity: 1, fn: (v) => {
    const name = 'net.cidr_merge';
    if (!Array.isArray(v)) return typeError(name, `operand 1 must be one of {array, set} but got ${typeName(v)}`);
    const v4: Array<[bigint, bigint]> = [], v6: Array<[bigint, bigint]> = [];
    for (const x of v as Json[]) {
      const text = str(name, x, 1);
      // A bare IPv4 address is a /32; a bare IPv6 address is an error in OPA.
      if (!text.includes('/') && isIPv6(text)) builtinError(name, 'IPv6 invalid: needs prefix length');
      const n = parseNet(name, text);
      (n.size === 32 ? v4 : v6).push([first(n), last(n)]);
    }
    return [...mergeRanges(v4, 32), ...mergeRanges(v6, 128)];
  } },
  'net.cidr_contains_matches': { arity: 2, fn: (a, c) => {
    const name = 'net.cidr_contains_matches';
    const outer = entries(name, a, 1).map(([k, s]) => [k, parseNet(name, s)] as const);
    const inner = entries(name, c, 2).map(([k, s]) => [k, parseNet(name, s)] as const);
    const out: Json[] = [];
    for (const [i, x] of outer) for (const [j, y] of inner) if (contains(x, y)) out.push([i, j]);
    return out;
  } },
};
