import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as opaWasm from '@open-policy-agent/opa-wasm';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { CODE_EXTENSION, CODE_TREE, packagePath, PACKAGE_VERSION } from '../assets.js';
import { compilePolicyDetailed, hostBuiltins, parseModules, RegoErrors, type FileAccess, type Module, type PolicySource } from '../rego/index.js';

export interface CompiledModule {
  wasm: Uint8Array;
  /** Memory pages the module declares (opa-wasm must be given at least that many). */
  memoryPages: number;
}

/**
 * Compiled modules are cached on disk under a hash of everything that determines the output: the
 * sources, the entrypoints, the flags and the toolchain itself (meshguard's version and the bytes of
 * the Rego runtime and compiler), so a policy is compiled once per content, not once per run.
 */
export function defaultCacheDir(root: string): string {
  if (process.env.MESHGUARD_CACHE_DIR) return process.env.MESHGUARD_CACHE_DIR;
  // Like ESLint and Babel: under node_modules/.cache when the project has one, else the OS temp dir.
  const nodeModules = path.join(root, 'node_modules');
  return existsSync(nodeModules) ? path.join(nodeModules, '.cache', 'meshguard', 'rego') : path.join(os.tmpdir(), 'meshguard-cache', 'rego');
}

let toolchain: string | undefined;
function toolchainFingerprint(): string {
  if (toolchain) return toolchain;
  const hash = createHash('sha256').update(PACKAGE_VERSION);
  // The compiled runtime and the compiler's own files, from the tree the running code comes from.
  // The conventions decide which rules (and exceptions) a cached set serves, so they count too.
  const files = ['dist/rego/runtime.wasm', ...['rego/compile', 'rego/plan', 'rego/link', 'policy/conventions'].map((name) => `${CODE_TREE}/${name}.${CODE_EXTENSION}`)];
  for (const rel of files) {
    const file = packagePath(rel);
    if (existsSync(file)) hash.update(rel).update(readFileSync(file));
  }
  toolchain = hash.digest('hex');
  return toolchain;
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(toolchainFingerprint()).update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Read a cached entry: the module and its JSON sidecar (whatever the caller stored beside it). */
export function readCache<T>(dir: string | undefined, key: string): { module: CompiledModule; extra: T } | undefined {
  if (!dir) return undefined;
  try {
    const sidecar = JSON.parse(readFileSync(path.join(dir, `${key}.json`), 'utf8')) as { memoryPages: number; extra: T };
    const wasm = new Uint8Array(readFileSync(path.join(dir, `${key}.wasm`)));
    return { module: { wasm, memoryPages: sidecar.memoryPages }, extra: sidecar.extra };
  } catch {
    return undefined;
  }
}

export function writeCache(dir: string | undefined, key: string, module: CompiledModule, extra: unknown): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    // Write then rename: a concurrent run never reads half a module.
    const tmp = `${key}.${process.pid}.tmp`;
    writeFileSync(path.join(dir, `${tmp}.wasm`), module.wasm);
    writeFileSync(path.join(dir, `${tmp}.json`), JSON.stringify({ memoryPages: module.memoryPages, extra }));
    renameSync(path.join(dir, `${tmp}.wasm`), path.join(dir, `${key}.wasm`));
    renameSync(path.join(dir, `${tmp}.json`), path.join(dir, `${key}.json`));
  } catch {
    // A read-only cache directory only costs a recompile next time.
  }
}

/**
 * Parse Rego sources as v1 (OPA 1.x), falling back to v0 for the whole set when a file only parses
 * as v0: conftest and Gatekeeper policies in the wild are mostly v0 (`deny[msg] { ... }`).
 */
export function parseRego(sources: PolicySource[], preferV0 = false): { modules: Module[]; v0: boolean } {
  if (!preferV0) {
    try {
      return { modules: parseModules(sources), v0: false };
    } catch {
      // fall through to v0
    }
  }
  return { modules: parseModules(sources, { v0: true }), v0: true };
}

export async function compileModules(sources: PolicySource[], entrypoints: string[], v0: boolean): Promise<CompiledModule> {
  const compiled = await compilePolicyDetailed(sources, { entrypoints, v0 });
  return { wasm: compiled.wasm, memoryPages: compiled.memoryPages };
}

/** `files`: the directory conftest's file builtins may read below (given by `policy test` only). */
export async function instantiate(module: CompiledModule, files?: FileAccess): Promise<LoadedPolicy> {
  return loadPolicy(module.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, module.memoryPages) }, hostBuiltins({ files }));
}

/** Synchronous instantiation, for the shipped policies that rule listings and the webhook need up front. */
export function instantiateSync(module: CompiledModule): LoadedPolicy {
  // The ESM entry only re-exports loadPolicy by name; loadPolicySync lives on the default export.
  const sdk = (opaWasm as unknown as { default: { loadPolicySync: typeof opaWasm.loadPolicySync } }).default;
  return sdk.loadPolicySync(module.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, module.memoryPages) }, hostBuiltins());
}

/** Memory pages a wasm module imports or declares (its minimum), read from the binary: `.wasm` files from `opa build` carry no sidecar. */
export function declaredMemoryPages(wasm: Uint8Array): number {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) return 5;
  // Scan the import section for env.memory's limits.
  let offset = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = wasm[offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  while (offset < wasm.length) {
    const id = wasm[offset++]!;
    const size = leb();
    const end = offset + size;
    if (id === 2) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        offset += leb(); // module name
        offset += leb(); // field name
        const kind = wasm[offset++]!;
        if (kind === 0) leb();
        else if (kind === 1) { offset++; const flags = leb(); leb(); if (flags & 1) leb(); }
        else if (kind === 2) { leb(); return Math.max(5, leb()); }
        else if (kind === 3) offset += 2;
      }
    }
    offset = end;
  }
  return 5;
}

/**
 * The sources one package needs: its own modules and, transitively, the packages they import
 * (`meshguard policy test` compiles each test package with only what it uses).
 */
export function packageUnits(modules: readonly Module[], sources: readonly PolicySource[], roots: ReadonlySet<string>): { pkg: string; sources: PolicySource[] }[] {
  const byFile = new Map(sources.map((s) => [s.path, s]));
  const pkgOf = (m: Module): string => m.package.join('.');
  const importsOf = (m: Module): string[] =>
    m.imports.flatMap((i) => {
      const path = i.path.type === 'ref' ? [i.path.head, ...i.path.path] : [i.path];
      const names = path.map((t) => (t.type === 'var' ? t.name : t.type === 'string' ? t.value : undefined));
      return names[0] === 'data' && names.every((n) => n !== undefined) ? [names.slice(1).join('.')] : [];
    }).concat(
      // Packages may also be referenced in full without an import (`data.lib.x`).
      [...(byFile.get(m.file)?.source ?? '').matchAll(/\bdata\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g)].map((match) => match[1]!),
    );
  return [...roots].sort().map((pkg) => {
    const included = new Set<Module>();
    const pending = modules.filter((m) => pkgOf(m) === pkg);
    while (pending.length > 0) {
      const m = pending.pop()!;
      if (included.has(m)) continue;
      included.add(m);
      for (const imported of importsOf(m)) {
        for (const other of modules) {
          const p = pkgOf(other);
          if (!included.has(other) && (p === imported || p.startsWith(`${imported}.`) || imported.startsWith(`${p}.`))) pending.push(other);
        }
      }
    }
    return { pkg, sources: modules.filter((m) => included.has(m)).map((m) => byFile.get(m.file)!).filter((s, i, all) => all.indexOf(s) === i) };
  });
}

/** A policy that cannot be used (syntax or type error, unusable module): the CLI reports it and exits 2. */
export class PolicyError extends Error {}

/** Rego errors carry file:line:col; make them one PolicyError naming every problem. */
export function policyError(error: unknown, what: string): PolicyError {
  if (error instanceof PolicyError) return error;
  const detail = error instanceof RegoErrors ? error.errors.map((e) => e.message).join('\n  ') : error instanceof Error ? error.message : String(error);
  return new PolicyError(`${what}: ${detail}`);
}

/** A module that lost its entrypoints is a toolchain failure: say so instead of running no rules. */
export function assertEntrypoints(policy: LoadedPolicy, expected: readonly string[], label: string): void {
  const have = Object.keys((policy.entrypoints ?? {}) as Record<string, number>);
  const missing = expected.filter((e) => !have.includes(e));
  if (missing.length > 0) throw new PolicyError(`${label}: the compiled module does not expose ${missing.join(', ')}`);
}
