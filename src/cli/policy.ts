import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../policy/index.js';
import { loadDataDocuments } from '../policy/data-files.js';
import { writeBuildManifest } from '../policy/load.js';
import { formatTestRun, runPolicyTests } from '../policy/test-runner.js';
import { formatVerify, verifySuite } from '../policy/verify.js';
import { runPolicyBuild, runPolicyEval } from '../rego/cli.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, UsageError, type CommandOutcome } from './io.js';

/**
 * Like `check`, accept v0 policies (`deny[msg] { ... }`) without a flag: most conftest and Gatekeeper
 * policies in the wild are v0. v1 is tried first; a v1 parse error retries the same command as v0.
 */
async function withV0Fallback(command: (argv: string[]) => Promise<CommandOutcome>, argv: string[]): Promise<CommandOutcome> {
  const first = await command(argv);
  if (first.exitCode === EXIT_OK || argv.includes('--v0') || !first.stderr.includes('rego_parse_error')) return first;
  const second = await command([...argv, '--v0']);
  return second.exitCode === EXIT_OK ? second : first;
}

export const POLICY_HELP = `Usage: meshguard policy <subcommand> [options]

Subcommands:
  build <files|dirs>... -e <entrypoint>... -o policy.wasm   compile Rego to an OPA-ABI wasm module
  eval <query> [-i input] [-d data] <files|dirs>...          evaluate a query (like opa eval)
  test <files|dirs>... [--verbose] [--run <regex>] [-d data]  run test_* rules (like opa test, conftest verify -d)
  verify <suite.yaml>... [--verbose]                          run Gatekeeper suites (like gator verify)

Exit codes: 0 success, 1 failing tests/assertions (or a policy error), 2 bad arguments.`;

export async function runPolicyCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build':
      return withManifest(rest, await withV0Fallback(runPolicyBuild, rest));
    case 'eval':
      return withV0Fallback(runPolicyEval, rest);
    case 'test':
      return runTest(rest, cwd);
    case 'verify':
      return runVerify(rest, cwd);
    case undefined:
    case '-h':
    case '--help':
      return { exitCode: sub === undefined ? EXIT_UNUSABLE : EXIT_OK, stdout: sub === undefined ? '' : `${POLICY_HELP}\n`, stderr: sub === undefined ? `${POLICY_HELP}\n` : '' };
    default:
      throw new UsageError(`unknown policy subcommand '${sub}'\n\n${POLICY_HELP}`);
  }
}

async function runTest(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parse(argv, true);
  if (positionals.length === 0) throw new UsageError('policy test needs at least one file or directory');
  let filter: RegExp | undefined;
  try {
    filter = typeof values.run === 'string' ? new RegExp(values.run) : undefined;
  } catch (error) {
    throw new UsageError(`--run: ${(error as Error).message}`);
  }
  const absolute = positionals.map((p) => path.resolve(cwd, p));
  const missing = absolute.find((p) => !existsSync(p));
  if (missing) throw new UsageError(`no such file or directory: ${path.relative(cwd, missing)}`);
  let data: Record<string, unknown> | undefined;
  try {
    data = values.data && values.data.length > 0 ? await loadDataDocuments(values.data, cwd) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const run = await runPolicyTests(absolute, filter, cwd, data);
  const output = formatTestRun(run, values.verbose === true);
  if (run.compileError) return { exitCode: EXIT_FINDINGS, stdout: '', stderr: output };
  const failed = run.results.some((r) => r.outcome === 'fail' || r.outcome === 'error');
  return { exitCode: failed ? EXIT_FINDINGS : EXIT_OK, stdout: output, stderr: '' };
}

async function runVerify(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parse(argv, false);
  if (positionals.length === 0) throw new UsageError('policy verify needs at least one suite file');
  let stdout = '';
  let failed = false;
  for (const suite of positionals) {
    try {
      const results = await verifySuite(path.resolve(cwd, suite), defaultCacheDir(cwd));
      failed ||= results.some((r) => !r.passed);
      stdout += `${suite}\n${formatVerify(results, values.verbose === true)}`;
    } catch (error) {
      return { exitCode: EXIT_FINDINGS, stdout, stderr: `meshguard: ${suite}: ${(error as Error).message}\n` };
    }
  }
  return { exitCode: failed ? EXIT_FINDINGS : EXIT_OK, stdout, stderr: '' };
}

function parse(argv: string[], withRun: boolean): { values: { verbose?: boolean; run?: string; data?: string[] }; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { verbose: { type: 'boolean', short: 'v' }, ...(withRun ? { run: { type: 'string', short: 'r' }, data: { type: 'string', short: 'd', multiple: true } } : {}) },
    }) as { values: { verbose?: boolean; run?: string; data?: string[] }; positionals: string[] };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * `policy build` compiles through the Rego toolchain; beside its module we write the rules it serves
 * (`<output>.json`: METADATA and conventions), so `--policy policy.wasm` keeps ids, titles and severities.
 */
async function withManifest(argv: string[], outcome: CommandOutcome): Promise<CommandOutcome> {
  if (outcome.exitCode !== 0) return outcome;
  const sources: string[] = [];
  const entrypoints: string[] = [];
  let output = 'policy.wasm';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '-o' || flag === '--output') output = inline ?? argv[++i] ?? output;
    else if (flag === '-e' || flag === '--entrypoint') entrypoints.push((inline ?? argv[++i] ?? '').replace(/^data\./, '').replace(/\./g, '/'));
    else if (!arg.startsWith('-')) sources.push(arg);
  }
  const manifest = await writeBuildManifest(sources, entrypoints, output);
  return manifest ? { ...outcome, stderr: `${outcome.stderr}wrote ${manifest}\n` } : outcome;
}
