import { statSync } from 'node:fs';
import path from 'node:path';
import { collectRegoFiles } from '../rego/cli.js';
import { RegoError, RegoErrors, type Module } from '../rego/index.js';
import { assertEntrypoints, compileModules, instantiate, packageUnits, parseRego } from './compile.js';
import { PolicyRuntime } from './adapter.js';

export interface PolicyTestResult {
  /** `data.<package>.<test rule>`, as `opa test` names it. */
  name: string;
  file: string;
  line: number;
  outcome: 'pass' | 'fail' | 'error' | 'skip';
  durationMs: number;
  error?: string;
}

export interface PolicyTestRun {
  results: PolicyTestResult[];
  /** Set when the policies do not even compile: no test ran. */
  compileError?: string;
}

/**
 * `opa test` semantics: every rule named `test_*` is a test that passes when it evaluates to true
 * (undefined or false fails); `todo_*` rules are reported as skipped. Tests run with no input; they
 * bring their own with `with input as ...` / `with data... as ...`.
 */
export async function runPolicyTests(paths: string[], filter?: RegExp, cwd = process.cwd(), data?: Record<string, unknown>): Promise<PolicyTestRun> {
  // Files are named relative to the working directory, in reports and in the compiled module alike
  // (source locations are embedded in the module, and long absolute paths only make it bigger).
  const sources = collectRegoFiles(paths.map((p) => path.resolve(cwd, p))).map((s) => ({ ...s, path: path.relative(cwd, s.path) || s.path }));
  let modules: Module[];
  let v0: boolean;
  try {
    ({ modules, v0 } = parseRego(sources));
  } catch (error) {
    return { results: [], compileError: describe(error) };
  }
  const tests = new Map<string, { name: string; file: string; line: number; todo: boolean }>();
  for (const module of modules) {
    for (const rule of module.rules) {
      const head = rule.head.ref[0];
      if (head?.type !== 'var' || rule.head.ref.length !== 1 || rule.head.args) continue;
      const todo = head.name.startsWith('todo_');
      if (!todo && !head.name.startsWith('test_')) continue;
      const entrypoint = [...module.package, head.name].join('/');
      const name = `data.${[...module.package, head.name].join('.')}`;
      if (filter && !filter.test(name)) continue;
      if (!tests.has(entrypoint)) tests.set(entrypoint, { name, file: module.file, line: rule.loc.line, todo });
    }
  }
  // One module per test package (with what it imports): small modules, and a package that does not
  // compile fails its own tests only.
  const runtimes = new Map<string, PolicyRuntime | string>();
  const packages = new Set([...tests].filter(([, t]) => !t.todo).map(([e]) => e.split('/').slice(0, -1).join('.')));
  for (const unit of packageUnits(modules, sources, packages)) {
    const entrypoints = [...tests.keys()].filter((e) => e.split('/').slice(0, -1).join('.') === unit.pkg && !tests.get(e)!.todo);
    try {
      // conftest's parse_config_file and parse_combined_config_files may read below the working directory
      // and below the paths under test (a policy file's own directory).
      const policy = await instantiate(await compileModules(unit.sources, entrypoints, v0), { root: cwd, policyRoots: policyRoots(paths, cwd) });
      assertEntrypoints(policy, entrypoints, `package ${unit.pkg}`);
      const runtime = new PolicyRuntime(policy, `tests of ${unit.pkg}`);
      // conftest verify -d: the tests see the data files under `data`.
      if (data) policy.setData(data);
      runtimes.set(unit.pkg, runtime);
    } catch (error) {
      runtimes.set(unit.pkg, describe(error));
    }
  }
  const results: PolicyTestResult[] = [];
  for (const [entrypoint, test] of tests) {
    const base = { name: test.name, file: test.file, line: test.line };
    if (test.todo) {
      results.push({ ...base, outcome: 'skip', durationMs: 0 });
      continue;
    }
    const started = performance.now();
    const runtime = runtimes.get(entrypoint.split('/').slice(0, -1).join('.'));
    if (typeof runtime !== 'object') {
      results.push({ ...base, outcome: 'error', durationMs: 0, error: runtime ?? 'not compiled' });
      continue;
    }
    try {
      // opa-wasm treats a falsy input as "no input"; an empty object would define `input`.
      const value = runtime.evaluate(undefined, entrypoint);
      results.push({ ...base, outcome: value === true ? 'pass' : 'fail', durationMs: performance.now() - started });
    } catch (error) {
      results.push({ ...base, outcome: 'error', durationMs: performance.now() - started, error: describe(error) });
    }
  }
  return { results };
}

/** The report `opa test` prints: failures (or everything with --verbose), then the tally. */
export function formatTestRun(run: PolicyTestRun, verbose: boolean): string {
  if (run.compileError) return `${run.compileError}\n`;
  const lines: string[] = [];
  const byFile = new Map<string, PolicyTestResult[]>();
  for (const r of run.results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  for (const [file, results] of byFile) {
    const shown = verbose ? results : results.filter((r) => r.outcome === 'fail' || r.outcome === 'error');
    if (shown.length === 0) continue;
    lines.push(`${file}:`);
    for (const r of shown) {
      const label = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' }[r.outcome];
      lines.push(`${r.name}: ${label} (${r.durationMs.toFixed(3)}ms)${r.error ? `\n  ${r.error}` : ''}`);
    }
    lines.push('');
  }
  const count = (o: PolicyTestResult['outcome']): number => run.results.filter((r) => r.outcome === o).length;
  const total = run.results.length;
  lines.push('-'.repeat(80));
  if (count('pass') > 0) lines.push(`PASS: ${count('pass')}/${total}`);
  if (count('fail') > 0) lines.push(`FAIL: ${count('fail')}/${total}`);
  if (count('error') > 0) lines.push(`ERROR: ${count('error')}/${total}`);
  if (count('skip') > 0) lines.push(`SKIPPED: ${count('skip')}/${total}`);
  if (total === 0) lines.push('no tests found');
  return `${lines.join('\n')}\n`;
}

function describe(error: unknown): string {
  if (error instanceof RegoErrors) return error.errors.map((e) => e.message).join('\n');
  if (error instanceof RegoError || error instanceof Error) return error.message;
  return String(error);
}

/** The directories a policy test's file builtins may read below, besides the working directory. */
function policyRoots(paths: string[], cwd: string): string[] {
  return paths.map((p) => {
    const abs = path.resolve(cwd, p);
    try {
      return statSync(abs).isDirectory() ? abs : path.dirname(abs);
    } catch {
      return path.dirname(abs);
    }
  });
}
