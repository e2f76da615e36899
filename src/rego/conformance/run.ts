// Runs one conformance case: compile with our toolchain, load with opa-wasm, evaluate, compare.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compilePolicyDetailed, parseQuery } from '../index.js';
import { hostBuiltins } from '../host-builtins.js';
import type { Case } from './cases.js';
import { sameResults, sortArrays, deepEqual } from './values.js';

export interface CaseResult { status: 'pass' | 'fail'; reason?: string; ms: number }

const RESULT_VAR = 'conformance_result__';

/** Regorus reports the value of a lone expression query; bind it so the module returns it. */
function regorusQuery(q: string): { query: string; wrapped: boolean; count?: number } {
  try {
    const body = parseQuery(q);
    const plain = body.every((e) => e.kind === 'term' && !e.negated && e.with.length === 0);
    if (body.length === 1 && plain) {
      return { query: `${RESULT_VAR} := (${q.trim()})`, wrapped: true };
    }
    // Several plain expressions, one per line: Regorus reports the list of their values.
    const lines = q.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    if (body.length > 1 && plain && lines.length === body.length) {
      return { query: lines.map((l, i) => `${RESULT_VAR}${i} := (${l})`).join('\n'), wrapped: true, count: body.length };
    }
  } catch {
    // Leave parse errors to the compiler so they are reported like any other.
  }
  return { query: q, wrapped: false };
}

function message(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  return String(e);
}

async function evaluateAll(c: Case): Promise<{ results: unknown[][]; prints: string[] }> {
  const modules = c.modules.map((source, i) => ({ path: c.suite === 'opa' ? `test-${i}.rego` : `rego_${i}.rego`, source }));
  const q: { query: string; wrapped: boolean; count?: number } = c.suite === 'regorus' ? regorusQuery(c.query) : { query: c.query, wrapped: false };
  const compiled = await compilePolicyDetailed(modules, {
    entrypoints: [], queries: [{ name: 'q', query: q.query }], v0: c.v0, strictBuiltinErrors: c.strict,
  });
  const builtins = hostBuiltins({ strict: c.strict });
  // OPA's case runner evaluates without runtime information, where opa.runtime() is an empty object.
  if (c.suite === 'opa') builtins['opa.runtime'] = () => ({});
  const policy = await loadPolicy(compiled.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, compiled.memoryPages) }, builtins);
  policy.setData((c.data ?? {}) as object);
  let inputs: unknown[] = c.inputs ? c.inputs.map((i) => i.value) : [undefined];
  if (c.inputTerm !== undefined && isSetTerm(c.inputTerm)) {
    // JSON cannot carry a set: the term's text goes to the module as written, which reads Rego's value
    // syntax for its input as OPA's opa_value_parse does.
    inputs = [new TextEncoder().encode(c.inputTerm).buffer];
  } else if (c.inputTerm !== undefined) {
    const t = await compilePolicyDetailed([], { entrypoints: [], queries: [{ name: 'q', query: `x := ${c.inputTerm}` }] });
    const p = await loadPolicy(t.wasm.slice().buffer as ArrayBuffer, undefined, hostBuiltins());
    const r = p.evaluate(undefined, 'q') as { x: unknown }[];
    inputs = [r[0]?.x];
  }
  const prints: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { prints.push(a.map(String).join(' ')); };
  try {
    const results = inputs.map((input) => {
      const rs = policy.evaluate(input, 'q') as Record<string, unknown>[];
      if (q.count !== undefined) return rs.map((r) => Array.from({ length: q.count! }, (_, i) => r[`${RESULT_VAR}${i}`]));
      return q.wrapped ? rs.map((r) => (RESULT_VAR in r ? r[RESULT_VAR] : '#undefined')) : rs;
    });
    return { results, prints };
  } finally {
    console.log = log;
  }
}

/** A ground term written with a set (`{1}`, `set()`), which no JSON value can stand for. */
function isSetTerm(text: string): boolean {
  try { JSON.parse(text); return false; } catch { /* not JSON */ }
  return /set\(\)|\{\s*(?:[^"\s}]|"(?:[^"\\]|\\.)*"\s*[,}])/.test(text);
}

export async function runCase(c: Case): Promise<CaseResult> {
  const t0 = performance.now();
  const done = (status: 'pass' | 'fail', reason?: string): CaseResult => ({ status, reason, ms: performance.now() - t0 });
  let out: { results: unknown[][]; prints: string[] };
  try {
    out = await evaluateAll(c);
  } catch (e) {
    const msg = message(e);
    if (c.expect.kind !== 'error') return done('fail', `error: ${msg}`);
    if (c.expect.code && !msg.includes(c.expect.code)) return done('fail', `wrong error code: ${msg}`);
    return done('pass');
  }
  const { results, prints } = out;
  switch (c.expect.kind) {
    case 'error':
      // OPA's wasm harness: builtin errors in strict mode yield no result on wasm targets.
      if (c.suite === 'opa' && results.every((r) => r.length === 0) && c.strict) return done('pass');
      return done('fail', `expected error ${c.expect.code ?? c.expect.message ?? ''}, got ${JSON.stringify(results)}`);
    case 'results': {
      const actual = results[0] ?? [];
      const norm = (xs: unknown[]): unknown[] => (c.expect.kind === 'results' && c.expect.sortBindings ? xs.map(sortArrays) : xs);
      if (sameResults(norm(actual), norm(c.expect.results))) return done('pass');
      return done('fail', `got ${JSON.stringify(actual)}, want ${JSON.stringify(c.expect.results)}`);
    }
    case 'none': {
      const flat = results.flat();
      if (flat.length === 0 || flat.every((x) => x === '#undefined')) return done('pass');
      return done('fail', `expected no result, got ${JSON.stringify(flat)}`);
    }
    case 'values': {
      const flat = results.flat();
      const want = c.expect.values;
      if (c.wantPrints && !deepEqual(prints, c.wantPrints)) return done('fail', `prints ${JSON.stringify(prints)}, want ${JSON.stringify(c.wantPrints)}`);
      if (flat.length === want.length && flat.every((x, i) => deepEqual(x, want[i]))) return done('pass');
      // Regorus writes an undefined query value as "#undefined"; here an undefined query has no row.
      if (flat.length === 0 && want.length > 0 && want.every((x) => x === '#undefined')) return done('pass');
      // Regorus compares several results in order; ours come in a canonical (sorted) order.
      if (sameResults(flat, want)) return done('pass');
      return done('fail', `got ${JSON.stringify(flat)}, want ${JSON.stringify(want)}`);
    }
  }
}
