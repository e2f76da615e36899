// `meshguard policy build|eval` as plain functions: they return output and an exit code and never
// print or exit, so the CLI owner decides how to surface them.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compilePolicyDetailed, entrypointName, evaluateCompiled, parseQuery, type PolicySource } from './index.js';
import { RegoError, RegoErrors } from './errors.js';

export interface CliResult { exitCode: number; stdout: string; stderr: string }

const BUILD_USAGE = 'usage: meshguard policy build <files|dirs>... -e <entrypoint>... -o policy.wasm [--v0] [--strict]\n';
const EVAL_USAGE = 'usage: meshguard policy eval <query> [-i input.json] [-d data.json] [--v0] [--strict] <files|dirs>...\n';

/** Collects .rego files (directories recursively, sorted for reproducible builds). */
export function collectRegoFiles(paths: string[]): PolicySource[] {
  const out: PolicySource[] = [];
  const visit = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        const c = join(p, name);
        if (statSync(c).isDirectory() || name.endsWith('.rego')) visit(c);
      }
    } else out.push({ path: p, source: readFileSync(p, 'utf8') });
  };
  paths.forEach(visit);
  return out;
}

function errorText(e: unknown): string {
  if (e instanceof RegoErrors) return e.errors.map((x) => x.message).join('\n') + '\n';
  if (e instanceof RegoError) return e.message + '\n';
  if (e instanceof Error) return e.message + '\n';
  return String(e) + '\n';
}

interface Parsed { positional: string[]; flags: Map<string, string[]>; bools: Set<string> }

function parseArgv(argv: string[], withValue: string[], bools: string[]): Parsed | string {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (withValue.includes(name)) {
      const v = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) return `missing value for ${name}`;
      flags.set(name, [...(flags.get(name) ?? []), v]);
    } else if (bools.includes(a)) seen.add(a);
    else if (a.startsWith('-') && a !== '-') return `unknown flag ${a}`;
    else positional.push(a);
  }
  return { positional, flags, bools: seen };
}

const flag = (p: Parsed, ...names: string[]): string[] => names.flatMap((n) => p.flags.get(n) ?? []);

export async function runPolicyBuild(argv: string[]): Promise<CliResult> {
  const p = parseArgv(argv, ['-e', '--entrypoint', '-o', '--output'], ['--v0', '--strict']);
  if (typeof p === 'string') return { exitCode: 2, stdout: '', stderr: `${p}\n${BUILD_USAGE}` };
  const entrypoints = flag(p, '-e', '--entrypoint').map(entrypointName);
  const output = flag(p, '-o', '--output').at(-1) ?? 'policy.wasm';
  if (p.positional.length === 0 || entrypoints.length === 0) return { exitCode: 2, stdout: '', stderr: BUILD_USAGE };
  try {
    const sources = collectRegoFiles(p.positional);
    const t0 = performance.now();
    const compiled = await compilePolicyDetailed(sources, { entrypoints, v0: p.bools.has('--v0'), strictBuiltinErrors: p.bools.has('--strict') });
    writeFileSync(output, compiled.wasm);
    const ms = (performance.now() - t0).toFixed(0);
    const host = compiled.builtins.length ? `; host builtins: ${compiled.builtins.join(', ')}` : '';
    return {
      exitCode: 0, stdout: '',
      stderr: `wrote ${output} (${compiled.wasm.length} bytes, ${sources.length} file${sources.length === 1 ? '' : 's'}, ${entrypoints.length} entrypoint${entrypoints.length === 1 ? '' : 's'}, ${ms} ms${host})\n`,
    };
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: errorText(e) };
  }
}

function readDoc(path: string): unknown {
  return parseYaml(readFileSync(path, 'utf8')) as unknown;
}

export async function runPolicyEval(argv: string[]): Promise<CliResult> {
  const p = parseArgv(argv, ['-i', '--input', '-d', '--data'], ['--v0', '--strict']);
  if (typeof p === 'string') return { exitCode: 2, stdout: '', stderr: `${p}\n${EVAL_USAGE}` };
  const [query, ...paths] = p.positional;
  if (!query) return { exitCode: 2, stdout: '', stderr: EVAL_USAGE };
  try {
    const inputPath = flag(p, '-i', '--input').at(-1);
    const data: Record<string, unknown> = {};
    for (const d of flag(p, '-d', '--data')) {
      const doc = readDoc(d);
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) Object.assign(data, doc);
    }
    // A lone expression reports its value (like `opa eval`), bound to `result`.
    const body = parseQuery(query);
    const single = body.length === 1 && body[0]!.kind === 'term' && !body[0]!.negated && body[0]!.with.length === 0;
    const q = single ? `result := (${query})` : query;
    const sources = collectRegoFiles(paths);
    const strict = p.bools.has('--strict');
    const compiled = await compilePolicyDetailed(sources, { entrypoints: [], queries: [{ name: 'query', query: q }], v0: p.bools.has('--v0'), strictBuiltinErrors: strict });
    const results = await evaluateCompiled(compiled, 'query', {
      input: inputPath ? readDoc(inputPath) : undefined, data, strictBuiltinErrors: strict,
    });
    return { exitCode: 0, stdout: JSON.stringify(results, null, 2) + '\n', stderr: '' };
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: errorText(e) };
  }
}
