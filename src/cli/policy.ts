import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYamlDocument } from 'yaml';
import { defaultCacheDir } from '../policy/index.js';
import { loadDataDocuments } from '../policy/data-files.js';
import { writeBuildManifest } from '../policy/load.js';
import { formatTestRun, runPolicyTests } from '../policy/test-runner.js';
import { formatVerify, verifySuite } from '../policy/verify.js';
import { entrypointName, parseModules, type Module } from '../rego/index.js';
import { collectRegoFiles, runPolicyBuild, runPolicyEval } from '../rego/cli.js';
import { HELP_OPTION, closest, formatHelp, listOption, parseCommandArgs, stringOption, type CommandSpec } from './args.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CommandOutcome } from './io.js';

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

const V0_OPTION = { name: 'v0', description: 'parse modules as Rego v0 (tried anyway when v1 parsing fails)' };
const STRICT_OPTION = { name: 'strict', description: 'a builtin error aborts evaluation instead of making the expression undefined' };

export const POLICY_BUILD_SPEC: CommandSpec = {
  name: 'policy build',
  usage: 'meshguard policy build <files|dirs>... -e <entrypoint>... [-o policy.wasm]',
  summary: `Compile Rego to an OPA-ABI WebAssembly module (like \`opa build -t wasm\`, no opa binary needed).
Beside <output> it writes <output without .wasm>.json, the rules the module serves (rule ids,
titles, severities, conventions from METADATA), so \`check --policy policy.wasm\` reports them as
it would report the .rego sources.`,
  options: [
    { name: 'entrypoint', short: 'e', value: '<pkg/rule>', multiple: true, description: 'a rule to export, as pkg/rule or data.pkg.rule; repeatable; must exist' },
    { name: 'output', short: 'o', value: '<file>', description: 'the module to write (default: policy.wasm)' },
    V0_OPTION,
    STRICT_OPTION,
    HELP_OPTION,
  ],
  epilog: 'Exit codes: 0 built, 1 the policies do not compile, 2 bad arguments (missing file, unknown entrypoint).',
};

export const POLICY_EVAL_SPEC: CommandSpec = {
  name: 'policy eval',
  usage: 'meshguard policy eval <query> [files|dirs...] [-i input.json] [-d data.json]...',
  summary: 'Evaluate a Rego query against the policies (like `opa eval`) and print the results as JSON.',
  options: [
    { name: 'input', short: 'i', value: '<file>', description: 'the input document (JSON or YAML)' },
    { name: 'data', short: 'd', value: '<file>', multiple: true, description: 'a data document (JSON or YAML) merged into data; repeatable' },
    V0_OPTION,
    STRICT_OPTION,
    HELP_OPTION,
  ],
  epilog: "Example: meshguard policy eval 'data.main.deny' -i pod.json policy/\n\nExit codes: 0 evaluated, 1 the policies or the query fail, 2 bad arguments (missing or invalid file).",
};

export const POLICY_TEST_SPEC: CommandSpec = {
  name: 'policy test',
  usage: 'meshguard policy test <files|dirs>... [--verbose] [--run <regex>]',
  summary: 'Run the test_* rules of the policies (like `opa test`).',
  options: [
    { name: 'verbose', short: 'v', description: 'list every test, not only failures' },
    { name: 'run', short: 'r', value: '<regex>', description: 'run only tests whose name matches' },
    { name: 'data', short: 'd', value: '<path>', multiple: true, description: 'data files or directories for the tests, as conftest verify -d; repeatable' },
    HELP_OPTION,
  ],
  epilog: 'Exit codes: 0 all pass, 1 a test fails or the policies do not compile, 2 bad arguments.',
};

export const POLICY_VERIFY_SPEC: CommandSpec = {
  name: 'policy verify',
  usage: 'meshguard policy verify <suite.yaml>... [--verbose]',
  summary: 'Run Gatekeeper test suites (kind: Suite, like `gator verify`): each case admits or rejects an object.',
  options: [{ name: 'verbose', short: 'v', description: 'list every assertion, not only failures' }, HELP_OPTION],
  epilog: 'Exit codes: 0 all assertions pass, 1 an assertion fails or a suite cannot run, 2 bad arguments.',
};

const SUBCOMMANDS = { build: POLICY_BUILD_SPEC, eval: POLICY_EVAL_SPEC, test: POLICY_TEST_SPEC, verify: POLICY_VERIFY_SPEC } as const;

export const POLICY_HELP = `Usage: meshguard policy <subcommand> [options]

Build, evaluate and test Rego policies.

Subcommands:
  build <files|dirs>... -e <entrypoint>... -o policy.wasm   compile Rego to an OPA-ABI wasm module
  eval <query> [-i input] [-d data] <files|dirs>...          evaluate a query (like opa eval)
  test <files|dirs>... [--verbose] [--run <regex>] [-d data]  run test_* rules (like opa test, conftest verify -d)
  verify <suite.yaml>... [--verbose]                          run Gatekeeper suites (like gator verify)

Run 'meshguard policy <subcommand> --help' (or 'meshguard help policy <subcommand>') for its options.
`;

/** `meshguard help policy [sub]`. */
export function policyHelp(sub: string | undefined): string {
  if (sub === undefined) return POLICY_HELP;
  const spec = SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS];
  if (!spec) throw new UsageError(unknownSubcommand(sub));
  return formatHelp(spec);
}

function unknownSubcommand(sub: string): string {
  const guess = closest(sub, Object.keys(SUBCOMMANDS));
  return `unknown policy subcommand '${sub}'${guess ? ` (did you mean ${guess}?)` : ` (use ${Object.keys(SUBCOMMANDS).join(', ')})`}`;
}

export async function runPolicyCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build':
      return runBuild(rest, cwd);
    case 'eval':
      return runEval(rest, cwd);
    case 'test':
      return runTest(rest, cwd);
    case 'verify':
      return runVerify(rest, cwd);
    case undefined:
    case '-h':
    case '--help':
      return { exitCode: EXIT_OK, stdout: POLICY_HELP, stderr: '' };
    default:
      throw new UsageError(unknownSubcommand(sub));
  }
}

async function runBuild(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(POLICY_BUILD_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(POLICY_BUILD_SPEC), stderr: '' };
  if (positionals.length === 0) throw new UsageError('policy build needs the Rego files or directories to compile');
  const entrypoints = listOption(values, 'entrypoint') ?? [];
  if (entrypoints.length === 0) throw new UsageError('policy build needs at least one -e <entrypoint> (e.g. -e main/deny)');
  const sources = existingPaths(positionals, cwd);
  const missing = undefinedEntrypoints(sources.map((s) => path.resolve(cwd, s)), entrypoints, values.v0 === true);
  if (missing.length > 0) throw new UsageError(`entrypoint ${missing.join(', ')} is not defined by any rule of the policies`);
  const output = stringOption(values, 'output') ?? 'policy.wasm';
  const forwarded = [...sources, ...entrypoints.flatMap((e) => ['-e', e]), '-o', output, ...flags(values)];
  const outcome = await withV0Fallback(runPolicyBuild, forwarded);
  if (outcome.exitCode !== EXIT_OK) return policyFailure(outcome);
  // Beside the module, the rules it serves (METADATA and conventions), so `--policy policy.wasm` keeps ids, titles and severities.
  const manifest = await writeBuildManifest(sources, entrypoints.map((e) => entrypointName(e)), output);
  return manifest ? { ...outcome, stderr: `${outcome.stderr}wrote ${manifest}\n` } : outcome;
}

async function runEval(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(POLICY_EVAL_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(POLICY_EVAL_SPEC), stderr: '' };
  const [query, ...paths] = positionals;
  if (!query) throw new UsageError("policy eval needs a query (e.g. 'data.main.deny')");
  const input = stringOption(values, 'input');
  const documents = [...(input ? [{ flag: '--input', file: input }] : []), ...(listOption(values, 'data') ?? []).map((file) => ({ flag: '--data', file }))];
  // A missing or unparsable input is the caller's mistake, not the policy's: say which file, exit 2.
  for (const { flag, file } of documents) readDocument(flag, file, path.resolve(cwd, file));
  const forwarded = [
    query,
    ...existingPaths(paths, cwd),
    ...(input ? ['-i', input] : []),
    ...(listOption(values, 'data') ?? []).flatMap((d) => ['-d', d]),
    ...flags(values),
  ];
  const outcome = await withV0Fallback(runPolicyEval, forwarded);
  return outcome.exitCode === EXIT_OK ? outcome : policyFailure(outcome);
}

async function runTest(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(POLICY_TEST_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(POLICY_TEST_SPEC), stderr: '' };
  if (positionals.length === 0) throw new UsageError('policy test needs at least one file or directory');
  let filter: RegExp | undefined;
  const run = stringOption(values, 'run');
  try {
    filter = run === undefined ? undefined : new RegExp(run);
  } catch (error) {
    throw new UsageError(`--run: ${(error as Error).message}`);
  }
  let data: Record<string, unknown> | undefined;
  const dataPaths = values.data as string[] | undefined;
  try {
    data = dataPaths && dataPaths.length > 0 ? await loadDataDocuments(dataPaths, cwd) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const results = await runPolicyTests(existingPaths(positionals, cwd).map((p) => path.resolve(cwd, p)), filter, cwd, data);
  const output = formatTestRun(results, values.verbose === true);
  if (results.compileError) return { exitCode: EXIT_FINDINGS, stdout: '', stderr: output };
  const failed = results.results.some((r) => r.outcome === 'fail' || r.outcome === 'error');
  return { exitCode: failed ? EXIT_FINDINGS : EXIT_OK, stdout: output, stderr: '' };
}

async function runVerify(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(POLICY_VERIFY_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(POLICY_VERIFY_SPEC), stderr: '' };
  if (positionals.length === 0) throw new UsageError('policy verify needs at least one suite file');
  existingPaths(positionals, cwd);
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

/** Named files must exist: a typo is a usage error (exit 2), not a failure of the policies. */
function existingPaths(paths: readonly string[], cwd: string): string[] {
  for (const p of paths) if (!existsSync(path.resolve(cwd, p))) throw new UsageError(`no such file or directory: ${p}`);
  return [...paths];
}

function flags(values: Record<string, unknown>): string[] {
  return [...(values.v0 ? ['--v0'] : []), ...(values.strict ? ['--strict'] : [])];
}

function readDocument(flag: string, file: string, absolute: string): unknown {
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`);
  }
  try {
    return parseYamlDocument(text) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The toolchain's messages, each line once as `meshguard:` lines; its own usage text is not repeated. */
function policyFailure(outcome: CommandOutcome): CommandOutcome {
  const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('usage:'));
  return { ...outcome, stderr: lines.map((line) => (line.startsWith('meshguard:') ? line : `meshguard: ${line}`)).join('\n') + '\n' };
}

/**
 * Entrypoints no rule defines: OPA's own build rejects them, and a module exporting nothing under that
 * name would silently make every policy pass. An entrypoint may name a rule, a path inside one, or a
 * package (its whole document). Sources that do not parse are left to the compiler to report.
 */
function undefinedEntrypoints(sources: readonly string[], entrypoints: readonly string[], v0: boolean): string[] {
  const files = collectRegoFiles([...sources]).filter((f) => f.path.endsWith('.rego'));
  let modules: Module[];
  try {
    modules = parseModules(files, { v0 });
  } catch {
    try {
      modules = parseModules(files, { v0: true });
    } catch {
      return [];
    }
  }
  const defined = modules.flatMap((m) => m.rules.map((r) => [...m.package, ...constantPrefix(r.head.ref)]));
  return entrypoints.filter((e) => {
    const wanted = entrypointName(e).split('/');
    return !defined.some((rule) => startsWith(rule, wanted) || startsWith(wanted, rule));
  });
}

function constantPrefix(ref: Module['rules'][number]['head']['ref']): string[] {
  const out: string[] = [];
  for (const term of ref) {
    // The rule's name, then constant keys; a variable key (`deny[msg]`) ends the fixed part.
    if (term.type === 'var' && out.length === 0) out.push(term.name);
    else if (term.type === 'string') out.push(term.value);
    else break;
  }
  return out;
}

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= list.length && prefix.every((part, i) => list[i] === part);
}
