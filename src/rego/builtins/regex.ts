// regex.* and glob.* with OPA's semantics: Go's regexp package is RE2 (no backreferences or
// lookaround, leftmost-first matching, linear time), so patterns run on re2js, a port of RE2. A pattern
// Go rejects fails here with the same "error parsing regexp: ..." message, and no pattern or input can
// make a match take more than linear time (a policy regex must not stall the admission webhook).
import { HOST_RESULT_LIMIT, reserve } from './budget.js';
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { builtinError, intArg, str, strs, type HostBuiltin, type Json } from './args.js';
import { MAX_INPUT, simpleRegExp } from './regex-simple.js';

type RE2 = ReturnType<RE2JS['re2']>;
interface Compiled { pattern: RE2JS; re2: RE2 }

// Loaded on first use, so runs whose policies match no regular expression do not pay for the import.
let re2js: typeof import('re2js') | undefined;
const engine = (): typeof RE2JS => (re2js ??= createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;

// Compiled patterns, as OPA keeps them: a policy matches the same few patterns on every resource.
const CACHE = new Map<string, Compiled>();
const CACHE_SIZE = 256;

function compileWith(name: string, key: string, source: () => string, flags: number): Compiled {
  let c = CACHE.get(key);
  if (!c) {
    let pattern: RE2JS;
    try {
      pattern = engine().compile(source(), flags);
    } catch (e) {
      return builtinError(name, (e as Error).message);
    }
    c = { pattern, re2: pattern.re2() };
    if (CACHE.size >= CACHE_SIZE) CACHE.clear();
    CACHE.set(key, c);
  }
  return c;
}

// Patterns a JavaScript RegExp answers as RE2 does (regex-simple.ts), or null for those it does not.
const SIMPLE = new Map<string, RegExp | null>();

function regexMatch(name: string, p: Json, s: Json): boolean {
  const pattern = str(name, p, 1);
  let simple = SIMPLE.get(pattern);
  if (simple === undefined) {
    simple = simpleRegExp(pattern) ?? null;
    if (SIMPLE.size >= CACHE_SIZE) SIMPLE.clear();
    SIMPLE.set(pattern, simple);
  }
  // A pattern in the subset is valid for RE2 too: the input's type is checked after it, as below.
  const input = simple ? str(name, s, 2) : undefined;
  if (simple && input!.length <= MAX_INPUT) return simple.test(input!);
  return compileRe2(name, pattern).re2.match(input ?? str(name, s, 2));
}

export function compileRe2(name: string, pattern: string): Compiled {
  return compileWith(name, `r/${pattern}`, () => pattern, 0);
}

/** Go's Regexp.Split(s, -1). */
function goSplit(c: Compiled, s: string): string[] {
  if (s === '' && c.pattern.pattern() !== '') return [''];
  const out: string[] = [];
  let beg = 0, end = 0;
  for (const m of (c.re2.findAllIndex(s, -1) ?? []) as number[][]) {
    end = m[0]!;
    if (m[1] !== 0) out.push(s.slice(beg, end));
    beg = m[1]!;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.ReplaceAllString: `$1`, `${1}`, `$name`, `${name}` expand; `$$` is a dollar. */
function goReplaceAll(c: Compiled, s: string, template: string): string {
  const names = c.pattern.namedGroups();
  const expand = (groups: number[]): string => {
    let out = '';
    for (let i = 0; i < template.length; i++) {
      const ch = template[i]!;
      if (ch !== '$' || i + 1 >= template.length) { out += ch; continue; }
      if (template[i + 1] === '$') { out += '$'; i++; continue; }
      let nameEnd: number, name: string;
      if (template[i + 1] === '{') {
        const close = template.indexOf('}', i + 2);
        name = close < 0 ? '' : template.slice(i + 2, close);
        if (close < 0 || !/^\w+$/.test(name)) { out += ch; continue; }
        nameEnd = close + 1;
      } else {
        const m = /^\w+/.exec(template.slice(i + 1));
        if (!m) { out += ch; continue; }
        name = m[0];
        nameEnd = i + 1 + name.length;
      }
      const idx = /^\d+$/.test(name) ? Number(name) : (names[name] ?? -1);
      if (idx >= 0 && 2 * idx + 1 < groups.length && groups[2 * idx]! >= 0) out += s.slice(groups[2 * idx]!, groups[2 * idx + 1]!);
      i = nameEnd - 1;
    }
    return out;
  };
  // Every match adds at least the template's literal text, so a template of L literal characters
  // can fit HOST_RESULT_LIMIT / L matches: finding more (a list that itself costs memory) is never needed.
  const literal = expand([]).length;
  const most = literal > 0 ? Math.floor(HOST_RESULT_LIMIT / literal) : -1;
  const matches = (c.re2.findAllSubmatchIndex(s, most < 0 ? -1 : most + 1) ?? []) as number[][];
  if (most >= 0 && matches.length > most) reserve('regex.replace', matches.length * literal);
  let out = '', last = 0;
  for (const m of matches) {
    out += s.slice(last, m[0]!) + expand(m);
    last = m[1]!;
    reserve('regex.replace', out.length + s.length - last);
  }
  return out + s.slice(last);
}

function limit<T>(all: T[], n: number): T[] {
  return n < 0 ? all : all.slice(0, n);
}

// ---------- glob.match (gobwas/glob semantics), compiled to RE2 so matching stays linear ----------
const RE2_META = /[\\.+*?()|[\]{}^$]/g;

function globToRe2(name: string, pattern: string, delims: string[]): string {
  const notDelim = delims.length ? `[^${delims.map((d) => d.replace(/[\\\]^-]/g, '\\$&')).join('')}]` : '.';
  const chars = Array.from(pattern);
  let out = '';
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      i++;
      if (i >= chars.length) builtinError(name, 'unexpected end of input');
      out += chars[i]!.replace(RE2_META, '\\$&');
    } else if (c === '*') {
      if (chars[i + 1] === '*') { out += '.*'; i++; } else out += `${notDelim}*`;
    } else if (c === '?') out += notDelim;
    else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (chars[j] === '!') { cls = '^'; j++; }
      while (j < chars.length && chars[j] !== ']') {
        const x = chars[j]!;
        cls += x === '\\' || x === '[' || x === '^' ? '\\' + x : x;
        j++;
      }
      if (j >= chars.length) builtinError(name, 'unexpected end of input');
      out += `[${cls}]`;
      i = j;
    } else if (c === '{') { depth++; out += '(?:'; }
    else if (c === '}' && depth > 0) { depth--; out += ')'; }
    else if (c === ',' && depth > 0) out += '|';
    else out += c.replace(RE2_META, '\\$&');
  }
  if (depth > 0) builtinError(name, 'unexpected end of input');
  return `^(?:${out})$`;
}

// ---------- regex.globs_match: do two restricted patterns share a non-empty match? ----------
// Only . * + [ - ] and \ are special (OPA's documented subset); the check walks the product of the
// two patterns' automata, so it is quadratic in the pattern lengths at worst.
type Atom = { kind: 'any' } | { kind: 'ranges'; ranges: Array<[number, number]> };
interface Item { atom: Atom; star: boolean }

function parseGlobRegex(name: string, p: string): Item[] {
  const cps = Array.from(p).map((c) => c.codePointAt(0)!);
  const items: Item[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    let atom: Atom;
    if (c === 0x2e) atom = { kind: 'any' };
    else if (c === 0x5c) {
      i++;
      if (i >= cps.length) builtinError(name, `input:${p}, pattern:${p}: trailing backslash`);
      atom = { kind: 'ranges', ranges: [[cps[i]!, cps[i]!]] };
    } else if (c === 0x5b) {
      const ranges: Array<[number, number]> = [];
      let j = i + 1;
      while (j < cps.length && cps[j] !== 0x5d) {
        let lo = cps[j]!;
        if (lo === 0x5c && j + 1 < cps.length) lo = cps[++j]!;
        if (cps[j + 1] === 0x2d && j + 2 < cps.length && cps[j + 2] !== 0x5d) {
          let hi = cps[j + 2]!;
          j += 2;
          if (hi === 0x5c && j + 1 < cps.length) hi = cps[++j]!;
          ranges.push([lo, hi]);
        } else ranges.push([lo, lo]);
        j++;
      }
      if (j >= cps.length) builtinError(name, `unterminated character class in ${p}`);
      atom = { kind: 'ranges', ranges };
      i = j;
    } else if (c === 0x2a || c === 0x2b) {
      return builtinError(name, `missing argument to repetition operator in ${p}`);
    } else atom = { kind: 'ranges', ranges: [[c, c]] };
    const q = cps[i + 1];
    if (q === 0x2b) { items.push({ atom, star: false }, { atom, star: true }); i++; }
    else if (q === 0x2a) { items.push({ atom, star: true }); i++; }
    else items.push({ atom, star: false });
  }
  return items;
}

function atomsMeet(a: Atom, b: Atom): boolean {
  if (a.kind === 'any') return b.kind === 'any' || b.ranges.some(([lo, hi]) => lo <= hi);
  if (b.kind === 'any') return a.ranges.some(([lo, hi]) => lo <= hi);
  return a.ranges.some(([l1, h1]) => b.ranges.some(([l2, h2]) => l1 <= h2 && l2 <= h1));
}

/** Positions reachable from `i` without consuming input (skipping starred items). */
function closure(items: Item[], i: number): number[] {
  const out = [i];
  while (i < items.length && items[i]!.star) out.push(++i);
  return out;
}

function globsIntersect(x: Item[], y: Item[]): boolean {
  const seen = new Set<number>();
  const width = y.length + 1;
  // States after consuming at least one character; the start state itself accepts only the empty string.
  const queue: Array<[number, number]> = [];
  const step = (i: number, j: number): void => {
    for (const a of closure(x, i)) for (const b of closure(y, j)) {
      if (a >= x.length || b >= y.length || !atomsMeet(x[a]!.atom, y[b]!.atom)) continue;
      for (const [na, nb] of [[x[a]!.star ? a : a + 1, y[b]!.star ? b : b + 1]] as Array<[number, number]>) {
        const key = na * width + nb;
        if (!seen.has(key)) { seen.add(key); queue.push([na, nb]); }
      }
    }
  };
  step(0, 0);
  while (queue.length) {
    const [i, j] = queue.shift()!;
    if (closure(x, i).includes(x.length) && closure(y, j).includes(y.length)) return true;
    step(i, j);
  }
  return false;
}

// ---------- regex.template_match ----------
function templateToRe2(name: string, template: string, open: string, close: string): string {
  if (Array.from(open).length !== 1 || Array.from(close).length !== 1) builtinError(name, 'delimiters must be single characters');
  let out = '', depth = 0, start = 0, literalFrom = 0;
  const quote = (s: string): string => s.replace(RE2_META, '\\$&');
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === open) {
      if (depth++ === 0) { out += quote(template.slice(literalFrom, i)); start = i + 1; }
    } else if (c === close) {
      if (depth === 0) builtinError(name, `unbalanced braces in ${template}`);
      if (--depth === 0) { out += `(${template.slice(start, i)})`; literalFrom = i + 1; }
    }
  }
  if (depth !== 0) builtinError(name, `unbalanced braces in ${template}`);
  return `^${out}${quote(template.slice(literalFrom))}$`;
}

export const REGEX_BUILTINS: Record<string, HostBuiltin> = {
  'regex.match': { arity: 2, fn: (p, s) => regexMatch('regex.match', p, s) },
  re_match: { arity: 2, fn: (p, s) => regexMatch('re_match', p, s) },
  'regex.is_valid': { arity: 1, fn: (p) => {
    if (typeof p !== 'string') return false;
    try { compileRe2('regex.is_valid', p); return true; } catch { return false; }
  } },
  'regex.split': { arity: 2, fn: (p, s) => goSplit(compileRe2('regex.split', str('regex.split', p, 1)), str('regex.split', s, 2)) },
  'regex.find_n': { arity: 3, fn: (p, s, n) => {
    const c = compileRe2('regex.find_n', str('regex.find_n', p, 1));
    return limit((c.re2.findAll(str('regex.find_n', s, 2), -1) ?? []) as string[], intArg('regex.find_n', n, 3));
  } },
  'regex.find_all_string_submatch_n': { arity: 3, fn: (p, s, n) => {
    const name = 'regex.find_all_string_submatch_n';
    const c = compileRe2(name, str(name, p, 1));
    const all = ((c.re2.findAllSubmatch(str(name, s, 2), -1) ?? []) as Array<Array<string | null>>).map((m) => m.map((g) => g ?? ''));
    return limit(all, intArg(name, n, 3));
  } },
  'regex.replace': { arity: 3, fn: (s, p, r) => goReplaceAll(compileRe2('regex.replace', str('regex.replace', p, 2)), str('regex.replace', s, 1), str('regex.replace', r, 3)) },
  'regex.template_match': { arity: 4, fn: (tpl, v, open, close) => {
    const name = 'regex.template_match';
    const source = templateToRe2(name, str(name, tpl, 1), str(name, open, 3), str(name, close, 4));
    return compileWith(name, `t/${source}`, () => source, 0).re2.match(str(name, v, 2));
  } },
  'regex.globs_match': { arity: 2, fn: (g1, g2) => {
    const name = 'regex.globs_match';
    return globsIntersect(parseGlobRegex(name, str(name, g1, 1)), parseGlobRegex(name, str(name, g2, 2)));
  } },
  'glob.match': { arity: 3, fn: (p, d, s) => {
    // OPA: null means no delimiters (* crosses everything); an empty list means the default ".".
    const given = d === null ? [] : strs('glob.match', d, 2);
    const delims = d !== null && given.length === 0 ? ['.'] : given;
    const pattern = str('glob.match', p, 1);
    const c = compileWith('glob.match', `g/${JSON.stringify(delims)}/${pattern}`, () => globToRe2('glob.match', pattern, delims), engine().DOTALL);
    return c.re2.match(str('glob.match', s, 3));
  } },
  'glob.quote_meta': { arity: 1, fn: (s: Json) => str('glob.quote_meta', s, 1).replace(/[*?\\[\]{}]/g, '\\$&') },
};
