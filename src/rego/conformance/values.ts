// JSON-side helpers for comparing expected and actual results: Rego's total order on JSON values
// (to sort sets and sort_bindings arrays) and a deep equality where 1 and 1.0 are the same number.

function rank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

function cmpStr(a: string, b: string): number {
  // Code-point order, as Go compares strings byte-wise in UTF-8.
  const x = Array.from(a), y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!.codePointAt(0)!, q = y[i]!.codePointAt(0)!;
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

export function compareJson(a: unknown, b: unknown): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return 0;
    case 1: return a === b ? 0 : a ? 1 : -1;
    case 2: return (a as number) - (b as number);
    case 3: return cmpStr(a as string, b as string);
    case 4: {
      const x = a as unknown[], y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) { const c = compareJson(x[i], y[i]); if (c) return c; }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort(cmpStr), ky = Object.keys(y).sort(cmpStr);
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        let c = cmpStr(kx[i]!, ky[i]!);
        if (c) return c;
        c = compareJson(x[kx[i]!], y[ky[i]!]);
        if (c) return c;
      }
      return kx.length - ky.length;
    }
  }
}

/** An expected Rego set (Regorus' `set!`): compared with the actual array regardless of order. */
export class ExpectedSet {
  constructor(readonly items: unknown[]) {}
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (b instanceof ExpectedSet) return Array.isArray(a) && sameResults(a, b.items);
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  if (rank(a) !== rank(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((x, i) => deepEqual(x, y[i]));
  }
  if (a !== null && typeof a === 'object') {
    const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
    const kx = Object.keys(x), ky = Object.keys(y);
    return kx.length === ky.length && kx.every((k) => k in y && deepEqual(x[k], y[k]));
  }
  return a === b;
}

/** Sorts every array inside (OPA's sort_bindings). */
export function sortArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortArrays).sort(compareJson);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, sortArrays(x)]));
  }
  return v;
}

/** Multiset equality of two result lists. */
export function sameResults(actual: unknown[], expected: unknown[]): boolean {
  if (actual.length !== expected.length) return false;
  const used = new Array<boolean>(actual.length).fill(false);
  for (const e of expected) {
    const i = actual.findIndex((a, j) => !used[j] && deepEqual(a, e));
    if (i < 0) return false;
    used[i] = true;
  }
  return true;
}
