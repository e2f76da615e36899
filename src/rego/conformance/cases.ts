// Reads the two conformance case formats (OPA's and Regorus') into one shape.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { parseDocument } from 'yaml';
import { compareJson, ExpectedSet } from './values.js';

export type Suite = 'opa' | 'regorus';

export interface Case {
  suite: Suite;
  file: string;            // path relative to the suite root
  topic: string;
  note: string;
  query: string;
  modules: string[];
  data: Record<string, unknown> | undefined;
  inputs: { value: unknown } [] | undefined;  // undefined: no input; several: Regorus `many!`
  inputTerm: string | undefined;
  v0: boolean;
  strict: boolean;
  expect:
    | { kind: 'error'; code?: string; message?: string }
    | { kind: 'results'; results: unknown[]; sortBindings: boolean }
    | { kind: 'values'; values: unknown[] }     // Regorus: one entry per result
    | { kind: 'none' };                          // Regorus no_result
  wantPrints: string[] | undefined;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** The suite root is the nearest ancestor with SOURCE.md; Regorus' ships LICENSE-regorus.txt. */
function suiteRoot(file: string): { root: string; suite: Suite } {
  let d = dirname(file);
  for (;;) {
    if (existsSync(join(d, 'LICENSE-regorus.txt'))) return { root: d, suite: 'regorus' };
    if (existsSync(join(d, 'SOURCE.md'))) return { root: d, suite: 'opa' };
    const up = dirname(d);
    if (up === d) return { root: dirname(file), suite: 'opa' };
    d = up;
  }
}

/** Regorus' encodings: {set!: [...]} -> sorted array, {object!: [{key, value}]} -> JSON-text keys. */
export function decodeRegorus(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeRegorus);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('set!' in o && Object.keys(o).length === 1) return new ExpectedSet((o['set!'] as unknown[]).map(decodeRegorus).sort(compareJson));
    if ('object!' in o && Object.keys(o).length === 1) {
      const out: Record<string, unknown> = {};
      for (const e of o['object!'] as { key: unknown; value: unknown }[]) {
        const k = decodeRegorus(e.key);
        // Non-string keys render as their JSON text, with sets as (sorted) arrays.
        out[typeof k === 'string' ? k : JSON.stringify(k, (_n, x: unknown) => (x instanceof ExpectedSet ? x.items : x))] = decodeRegorus(e.value);
      }
      return out;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeRegorus(x)]));
  }
  return v;
}

/**
 * YAML keys may be null/true/7; the `yaml` package would turn `null:` into "". Rego results render
 * non-string keys as their JSON text, so read mappings as Maps and key them the same way.
 */
function parseYaml(text: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0]!;
  return plain(doc.toJS({ mapAsMap: true }));
}

function plain(v: unknown): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[typeof k === 'string' ? k : JSON.stringify(k)] = plain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/**
 * Regorus' files contain multi-line flow sequences indented less than their key, which serde_yaml
 * accepts and the `yaml` package rejects; join such sequences onto one line before parsing.
 */
function joinFlowSequences(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*[^#\s][^#]*:\s*\[\s*$/.test(line)) {
      let joined = line;
      let j = i + 1;
      while (j < lines.length && !/^\s*\]\s*$/.test(lines[j]!)) { joined += ' ' + lines[j]!.trim(); j++; }
      if (j < lines.length) { out.push(joined + ' ]'); i = j; continue; }
    }
    out.push(line);
  }
  return out.join('\n');
}

export function loadCases(paths: string[]): Case[] {
  const out: Case[] = [];
  for (const p of paths) {
    const files = statSync(p).isDirectory() ? walk(p) : [p];
    for (const f of files) {
      const { root, suite } = suiteRoot(f);
      const rel = relative(root, f);
      const text = readFileSync(f, 'utf8');
      let doc: { cases?: Record<string, unknown>[] } | null;
      try {
        doc = parseYaml(text) as typeof doc;
      } catch {
        doc = parseYaml(joinFlowSequences(text)) as typeof doc;
      }
      for (const c of doc?.cases ?? []) out.push(suite === 'opa' ? opaCase(c, rel) : regorusCase(c, rel));
    }
  }
  return out;
}

function opaCase(c: Record<string, unknown>, rel: string): Case {
  const topic = rel.split('/')[0] ?? rel;
  let expect: Case['expect'];
  if (c.want_error !== undefined || c.want_error_code !== undefined) {
    expect = { kind: 'error', code: c.want_error_code as string | undefined, message: c.want_error as string | undefined };
  } else if (c.want_defined !== undefined) {
    expect = { kind: 'results', results: c.want_defined ? [{}] : [], sortBindings: false };
  } else {
    expect = { kind: 'results', results: (c.want_result as unknown[] | undefined) ?? [], sortBindings: !!c.sort_bindings };
  }
  return {
    suite: 'opa', file: rel, topic, note: String(c.note ?? ''), query: String(c.query ?? ''),
    modules: (c.modules as string[] | undefined) ?? [], data: c.data as Record<string, unknown> | undefined,
    inputs: 'input' in c ? [{ value: c.input }] : undefined, inputTerm: c.input_term as string | undefined,
    v0: false, strict: !!c.strict_error, expect, wantPrints: undefined,
  };
}

function regorusCase(c: Record<string, unknown>, rel: string): Case {
  const topic = dirname(rel) === '.' ? rel.replace(/\.ya?ml$/, '') : dirname(rel);
  let expect: Case['expect'];
  if (c.error !== undefined) expect = { kind: 'error', message: String(c.error) };
  // Regorus writes an undefined query as want_result: "#undefined" as well as no_result: true.
  else if (c.no_result || c.want_result === '#undefined') expect = { kind: 'none' };
  else {
    const w = c.want_result as Record<string, unknown> | undefined;
    const many = w !== null && typeof w === 'object' && !Array.isArray(w) && 'many!' in w;
    expect = { kind: 'values', values: many ? (w['many!'] as unknown[]).map(decodeRegorus) : [decodeRegorus(w)] };
  }
  let inputs: Case['inputs'];
  if ('input' in c) {
    const i = c.input as Record<string, unknown> | undefined;
    inputs = i !== null && typeof i === 'object' && !Array.isArray(i) && 'many!' in i
      ? (i['many!'] as unknown[]).map((value) => ({ value })) : [{ value: c.input }];
  }
  return {
    suite: 'regorus', file: rel, topic, note: String(c.note ?? ''), query: String(c.query ?? ''),
    modules: (c.modules as string[] | undefined) ?? [], data: c.data as Record<string, unknown> | undefined,
    inputs, inputTerm: undefined, v0: !rel.includes('bindings.yaml'), strict: c.strict !== false, expect,
    wantPrints: c.want_prints as string[] | undefined,
  };
}
