// Library API of the Rego toolchain: parse, compile to an OPA-ABI wasm module, evaluate.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule, parseQuery } from './parser.js';
import { compileProgram } from './compile.js';
import { stringifyIr, type IrProgram } from './ir.js';
import { link } from './link.js';
import { hostBuiltins } from './host-builtins.js';
import type { Module } from './ast.js';

export { RegoError, RegoErrors, type Location, type RegoErrorCode } from './errors.js';
export { parseModule, parseQuery, parseTerm } from './parser.js';
export { hostBuiltins, HOST_BUILTINS } from './host-builtins.js';
export type { Module, Rule, Expr, Term } from './ast.js';
export type { Comment } from './lexer.js';

export interface PolicySource { path: string; source: string }

export interface CompilePolicyOptions {
  /** Entrypoints as `pkg/rule` paths (e.g. `kubernetes/admission/deny`). */
  entrypoints: string[];
  /** Ad-hoc queries compiled as extra entrypoints (result set = one bindings object per solution). */
  queries?: { name: string; query: string }[];
  /** Parse modules as Rego v0 unless they `import rego.v1` (default: v1). */
  v0?: boolean;
  /** Builtin argument errors abort evaluation instead of making the call undefined. */
  strictBuiltinErrors?: boolean;
}

export interface CompiledPolicy {
  wasm: Uint8Array;
  /** Pages the module needs; pass `{ initial: memoryPages }` to loadPolicy when above 5. */
  memoryPages: number;
  /** Host builtins the module imports (implemented by hostBuiltins() or the SDK). */
  builtins: string[];
  entrypoints: Record<string, number>;
  modules: Module[];
}

export function parseModules(sources: PolicySource[], opts: { v0?: boolean } = {}): Module[] {
  return sources.map((s) => parseModule(s.path, s.source, { v0: !!opts.v0 }));
}

export function compileToIr(modules: Module[], options: CompilePolicyOptions): IrProgram {
  return compileProgram(modules, {
    entrypoints: options.entrypoints,
    queries: (options.queries ?? []).map((q) => ({ name: q.name, source: parseQuery(q.query) })),
    strictBuiltinErrors: !!options.strictBuiltinErrors,
  });
}

/** Compiles Rego sources into a wasm module loadable with opa-wasm's loadPolicy(). */
export async function compilePolicyDetailed(sources: PolicySource[], options: CompilePolicyOptions): Promise<CompiledPolicy> {
  const modules = parseModules(sources, options);
  const ir = compileToIr(modules, options);
  const { wasm, memoryPages } = link(stringifyIr(ir));
  return { wasm, memoryPages, builtins: ir.builtins, entrypoints: ir.entrypoints, modules };
}

export async function compilePolicy(sources: PolicySource[], options: CompilePolicyOptions): Promise<Uint8Array> {
  return (await compilePolicyDetailed(sources, options)).wasm;
}

export interface EvalOptions {
  input?: unknown;
  data?: Record<string, unknown>;
  v0?: boolean;
  strictBuiltinErrors?: boolean;
}

/** Compiles `query` against `sources` and evaluates it once through opa-wasm. */
export async function evalQuery(query: string, sources: PolicySource[], opts: EvalOptions = {}): Promise<Record<string, unknown>[]> {
  const compiled = await compilePolicyDetailed(sources, {
    entrypoints: [], queries: [{ name: 'query', query }], v0: opts.v0, strictBuiltinErrors: opts.strictBuiltinErrors,
  });
  return evaluateCompiled(compiled, 'query', opts);
}

export async function evaluateCompiled(compiled: CompiledPolicy, entrypoint: string, opts: EvalOptions = {}): Promise<Record<string, unknown>[]> {
  const policy = await loadPolicy(compiled.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, compiled.memoryPages) },
    hostBuiltins({ strict: opts.strictBuiltinErrors }));
  if (opts.data !== undefined) policy.setData(opts.data as object);
  return policy.evaluate(opts.input, entrypoint) as Record<string, unknown>[];
}
