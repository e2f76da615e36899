import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/run.js';
import { runPolicyTests, type PolicyTestResult } from '../../src/policy/test-runner.js';
import { verifySuite } from '../../src/policy/verify.js';
import type { CorpusSource } from './mirror.js';

/**
 * The real policy suites of issue #18 run through meshguard: Gatekeeper's library (gator suites via
 * `policy verify`, `src/` unit tests via `policy test`, folder by folder as the library's test.sh
 * runs `opa test`), Trivy's Kubernetes checks (`opa test lib/ checks/kubernetes/` with a stand-in for
 * Trivy's own `result.new` builtin) and the Kubernetes assertions of conftest's acceptance.bats.
 * Inputs come from public snapshots (see fixtures/rego-real/SOURCE.md); nothing of them is committed.
 */
export const REAL_DIR = path.resolve(import.meta.dirname, '../../fixtures/rego-real');

export interface RealManifest {
  gatekeeper: CorpusSource;
  trivy: CorpusSource;
  conftest: CorpusSource;
}

export function realManifest(): RealManifest {
  return JSON.parse(readFileSync(path.join(REAL_DIR, 'manifest.json'), 'utf8')) as RealManifest;
}

export interface GatekeeperRun {
  suites: { suite: string; passed: boolean; assertions: number; failedAssertions: number }[];
  units: { folder: string; results: PolicyTestResult[]; compileError?: string }[];
}

export async function runGatekeeper(root: string, cacheDir: string): Promise<GatekeeperRun> {
  const suites: GatekeeperRun['suites'] = [];
  for (const suite of globDirs(path.join(root, 'library'), 2).map((d) => path.join(d, 'suite.yaml')).filter(isFile)) {
    const results = await verifySuite(suite, cacheDir);
    const failed = results.filter((r) => !r.passed).length;
    suites.push({ suite: path.relative(root, suite), passed: failed === 0 && results.length > 0, assertions: results.length, failedAssertions: failed });
  }
  const units: GatekeeperRun['units'] = [];
  for (const folder of globDirs(path.join(root, 'src'), 2)) {
    // `opa test ${folder}/*.rego`: the folder's own files, not its subfolders.
    const files = readdirSync(folder).filter((f) => f.endsWith('.rego')).map((f) => path.join(folder, f));
    if (files.length === 0) continue;
    const run = await runPolicyTests(files, undefined, root);
    units.push({ folder: path.relative(root, folder), results: run.results, ...(run.compileError ? { compileError: run.compileError } : {}) });
  }
  return { suites, units };
}

/** The package the stand-in for Trivy's `result.new(msg, cause)` lives in, and its source. */
export const TRIVY_STANDIN_PACKAGE = 'meshguard_trivy_standin';
export const TRIVY_STANDIN = `package ${TRIVY_STANDIN_PACKAGE}

import rego.v1

# Trivy's result.new(msg, cause) builtin returns the message with the cause's source position
# (filepath, startline, endline, resource, ...). Tests of the Kubernetes checks only read msg, so the
# stand-in returns {"msg": msg}.
result_new(msg, _) := {"msg": msg}
`;

/**
 * Trivy's checks call its own builtin \`result.new\`; in the materialized copy (never in the snapshot)
 * each call in a non-test file becomes a call of the stand-in above. Returns the number of calls rewritten.
 */
export function applyTrivyStandIn(root: string): number {
  let rewritten = 0;
  for (const file of regoFilesUnder(root)) {
    if (file.endsWith('_test.rego')) continue;
    const text = readFileSync(file, 'utf8');
    const replaced = text.replace(/\bresult\.new\(/g, () => {
      rewritten++;
      return `data.${TRIVY_STANDIN_PACKAGE}.result_new(`;
    });
    if (replaced !== text) writeFileSync(file, replaced);
  }
  writeFileSync(path.join(root, `${TRIVY_STANDIN_PACKAGE}.rego`), TRIVY_STANDIN);
  return rewritten;
}

export async function runTrivy(root: string): Promise<PolicyTestResult[]> {
  const run = await runPolicyTests([path.join(root, 'lib'), path.join(root, 'checks/kubernetes'), path.join(root, `${TRIVY_STANDIN_PACKAGE}.rego`)], undefined, root);
  if (run.compileError) throw new Error(`trivy-checks do not parse: ${run.compileError}`);
  return run.results;
}

/** One assertion of conftest's acceptance.bats, translated into a meshguard command (see conftest-assertions.json). */
export interface ConftestAssertion {
  name: string;
  /** meshguard argv (check runs get `--format json` added). */
  argv: string[];
  /** check: counts over the policies' findings only (built-in rules are left out, as conftest has none). */
  failures?: number;
  warnings?: number;
  exceptions?: number;
  minFailures?: number;
  minWarnings?: number;
  messages?: string[];
  exceptedResources?: string[];
  /** policy test: the PASS line. */
  testsPassed?: string;
  exitCode?: number;
  /** Why meshguard is not expected to reproduce it (the assertion still runs and is reported). */
  knownFailure?: string;
}

export interface ConftestOutcome {
  name: string;
  passed: boolean;
  detail: string;
}

export async function runConftestAssertions(root: string, assertions: readonly ConftestAssertion[], cacheDir: string): Promise<ConftestOutcome[]> {
  const builtin = new Set((JSON.parse((await runCli(['rules', '--format', 'json'])).stdout) as { id: string }[]).map((r) => r.id));
  const env = {
    cwd: root,
    env: { MESHGUARD_CACHE_DIR: cacheDir } as NodeJS.ProcessEnv,
    stdout: { isTTY: false },
    stderr: { isTTY: false, write: (): void => undefined },
  };
  const previousCache = process.env.MESHGUARD_CACHE_DIR;
  process.env.MESHGUARD_CACHE_DIR = cacheDir;
  const outcomes: ConftestOutcome[] = [];
  try {
    for (const a of assertions) {
      const isCheck = a.argv[0] === 'check';
      const run = await runCli(isCheck ? [...a.argv, '--format', 'json'] : a.argv, env);
      const problems: string[] = [];
      if (a.exitCode !== undefined && run.exitCode !== a.exitCode) problems.push(`exit ${run.exitCode}, want ${a.exitCode} ${run.stderr.trim()}`);
      if (isCheck && run.exitCode !== 2) {
        const findings = (JSON.parse(run.stdout) as { findings: { ruleId: string; severity: string; message: string; suppressed: unknown; resource?: { name: string } }[] }).findings.filter((f) => !builtin.has(f.ruleId));
        const failures = findings.filter((f) => f.severity === 'error' && !f.suppressed).length;
        const warnings = findings.filter((f) => f.severity === 'warning' && !f.suppressed).length;
        const excepted = findings.filter((f) => (f.suppressed as { kind?: string } | false)?.kind === 'exception');
        if (a.failures !== undefined && failures !== a.failures) problems.push(`${failures} failures, want ${a.failures}`);
        if (a.minFailures !== undefined && failures < a.minFailures) problems.push(`${failures} failures, want at least ${a.minFailures}`);
        if (a.warnings !== undefined && warnings !== a.warnings) problems.push(`${warnings} warnings, want ${a.warnings}`);
        if (a.minWarnings !== undefined && warnings < a.minWarnings) problems.push(`${warnings} warnings, want at least ${a.minWarnings}`);
        if (a.exceptions !== undefined && excepted.length !== a.exceptions) problems.push(`${excepted.length} exceptions, want ${a.exceptions}`);
        for (const name of a.exceptedResources ?? []) if (!excepted.some((f) => f.resource?.name === name)) problems.push(`no exception for ${name}`);
        for (const m of a.messages ?? []) if (!findings.some((f) => f.message.includes(m))) problems.push(`no finding says "${m}"`);
      }
      if (a.testsPassed !== undefined && !run.stdout.includes(a.testsPassed)) problems.push(`policy test printed ${JSON.stringify(run.stdout.trim().split('\n').slice(-3).join(' | '))}, want "${a.testsPassed}"`);
      outcomes.push({ name: a.name, passed: problems.length === 0, detail: problems.join('; ') });
    }
  } finally {
    if (previousCache === undefined) delete process.env.MESHGUARD_CACHE_DIR;
    else process.env.MESHGUARD_CACHE_DIR = previousCache;
  }
  return outcomes;
}

function globDirs(dir: string, depth: number): string[] {
  let level = [dir];
  for (let i = 0; i < depth; i++) {
    level = level.flatMap((d) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name))).sort();
  }
  return level;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function regoFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? regoFilesUnder(full) : e.name.endsWith('.rego') ? [full] : [];
  });
}
