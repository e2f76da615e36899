// Library API of the Rego toolchain: parse, compile to an OPA-ABI wasm module, evaluate.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule, parseQuery } from './parser.js';
import { compileProgram } from './compile.js';
import { stringifyIr, type IrProgram } from './ir.js';
import { link } from './link.js';
import { hostBuiltins } from './host-builtins.js';
import type { Module } from './ast.js';

import { isStackOverflow, RegoError, type RegoErrorCode } from './errors.js';
export { isStackOverflow, RegoError, RegoErrors, type Location, type RegoErrorCode } from './errors.js';
export { parseModule, parseQuery, parseTerm } from './parser.js';
export { hostBuiltins, HOST_BUILTINS } from './host-builtins.js';
export type { FileAccess } from './builtins/conftest.js';
import type { FileAccess } from './builtins/conftest.js';
export type { Module, Rule, Expr, Term } from './ast.js';
export type { Comment } from './lexer.js';
export { metadataBlocks, type MetadataBlock } from './metadata.js';

export interface PolicySource { path: string; source: string }

export interface CompilePolicyOptions {
  /** Entrypoints as `pkg/rule` paths (e.g. `kubernetes/admission/deny`; `data.kubernetes.admission.deny` also works). */
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

/** `data.k8s.deny` and `k8s.deny` name the same entrypoint as OPA's `k8s/deny`. */
export function entrypointName(e: string): string {
  return e.includes('/') ? e.replace(/^\/+/, '') : e.replace(/^data\./, '').split('.').join('/');
}

export function compileToIr(modules: Module[], options: CompilePolicyOptions): IrProgram {
  return compileProgram(modules, {
    entrypoints: options.entrypoints.map(entrypointName),
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
  /** Where conftest's file builtins may read (relative module paths resolve against it); none: they fail. */
  files?: FileAccess;
}

/** Compiles `query` against `sources` and evaluates it once through opa-wasm. */
export async function evalQuery(query: string, sources: PolicySource[], opts: EvalOptions = {}): Promise<Record<string, unknown>[]> {
  const compiled = await compilePolicyDetailed(sources, {
    entrypoints: [], queries: [{ name: 'query', query }], v0: opts.v0, strictBuiltinErrors: opts.strictBuiltinErrors,
  });
  return evaluateCompiled(compiled, 'query', opts);
}

export async function evaluateCompiled(compiled: CompiledPolicy, entrypoint: string, opts: EvalOptions = {}): Promise<Record<string, unknown>[]> {
  try {
    const policy = await loadPolicy(compiled.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, compiled.memoryPages) },
      hostBuiltins({ strict: opts.strictBuiltinErrors, files: opts.files }));
    if (opts.data !== undefined) policy.setData(opts.data as object);
    return policy.evaluate(opts.input, entrypoint) as Record<string, unknown>[];
  } catch (e) {
    throw evalError(e);
  }
}

const ABORT = /^(?:(.+?):(\d+)(?::(\d+))?: )?([a-z_]+_error): ([\s\S]*)$/;

/**
 * opa-wasm surfaces a module abort as a thrown string ("file:line: eval_conflict_error: ...");
 * turn it (and host builtin errors) into a RegoError carrying the OPA code and location.
 */
export function evalError(e: unknown): unknown {
  if (isStackOverflow(e)) return new RegoError('eval_cancel_error', 'evaluation depth limit exceeded');
  const text = typeof e === 'string' ? e : e instanceof Error && !(e instanceof RegoError) ? e.message : undefined;
  if (text === undefined) return e;
  const m = ABORT.exec(text);
  if (!m) return typeof e === 'string' ? new RegoError('internal_error', text) : e;
  const loc = m[1] ? { file: m[1], line: Number(m[2]), col: Number(m[3] ?? 0) } : undefined;
  return new RegoError(m[4] as RegoErrorCode, m[5]!, loc);
}
