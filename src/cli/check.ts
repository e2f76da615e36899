import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_VERSION } from '../assets.js';
import { loadConfig } from '../config/load.js';
import { runCheck, type CheckResult } from '../check.js';
import { CACHE_KEY_VARIABLE } from '../load/cache-signing.js';
import { discoverFiles, toPosix } from '../load/discover.js';
import { SEVERITY_RANK, type Severity } from '../model/types.js';
import { REPORT_FORMATS, emitGitHubAnnotations, inSection, isReportFormat, renderReport, type ReportFormat, type ReportInput } from '../report/index.js';
import { HELP_OPTION, formatHelp, listOption, parseCommandArgs, stringOption, type CommandSpec } from './args.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, UsageError, type CliEnvironment, type CommandOutcome } from './io.js';
import { rootOfChangedFiles } from './root.js';
import { colorEnabled, createProgress, terminalWidth } from './terminal.js';
import { writeReportFile } from './report-files.js';

export const DEFAULT_CACHE_DIR = '.meshguard-cache';
export const DEFAULT_CACHE_FILE = `${DEFAULT_CACHE_DIR}/parse.json`;

export const CHECK_SPEC: CommandSpec = {
  name: 'check',
  usage: 'meshguard check [paths...] [options]   (or: meshguard [paths...] [options])',
  summary: `Lint Kubernetes/Istio manifests and GitLab CI files. Directories are searched with the include and
exclude globs of .meshguard.yaml, named files are checked as given. With no path, the working
directory is checked. Kustomize build roots and Helm charts are rendered first; '-' reads rendered
YAML from stdin (kustomize build ... | meshguard check -).`,
  options: [
    { name: 'format', short: 'f', value: '<fmt>', description: `stdout format: ${REPORT_FORMATS.join(', ')} (default: stylish)` },
    { name: 'report', short: 'r', value: '<fmt=path>', multiple: true, description: 'also write a report file; repeatable (e.g. --report sarif=meshguard.sarif)' },
    { name: 'fail-on', value: '<level>', description: 'exit 1 when a finding is at/above: error, warning, info, none (default: error)' },
    { name: 'config', short: 'c', value: '<file>', description: 'configuration file (default: .meshguard.yaml in the root)' },
    {
      name: 'only',
      description:
        'the paths are changed files (pre-commit): load the whole repository for context and report\n' +
        'only findings in them; the root is the nearest directory above them with .git or .meshguard.yaml',
    },
    {
      name: 'baseline',
      value: '<git-ref>',
      description: 'merge-request mode: report only findings that are new since <git-ref>\n(default in GitLab merge-request pipelines: $CI_MERGE_REQUEST_DIFF_BASE_SHA)',
    },
    {
      name: 'cache',
      description: `keep parsed files and rule results between runs in ${DEFAULT_CACHE_DIR}/; an entry is reused only\nwhile the file, the configuration, the rules and --today are unchanged (output is identical)`,
    },
    { name: 'cache-location', value: '<file>', description: 'keep that cache in <file> instead (implies --cache)' },
    {
      name: 'stdin-base',
      value: '<dir>',
      description: "with '-' (rendered YAML on stdin): the directory that was rendered; origin\npaths are relative to it and its patches are located",
    },
    { name: 'policy', short: 'p', value: '<path>', multiple: true, description: 'also run Rego policies (.rego files, directories, globs, .wasm, bundles); repeatable' },
    { name: 'namespace', value: '<pkg>', multiple: true, description: "conftest package whose deny/violation/warn rules run (default: main; '*': all); repeatable" },
    { name: 'combine', description: 'conftest --combine: policies get every resource at once as input' },
    {
      name: 'data',
      short: 'd',
      value: '<path>',
      multiple: true,
      description: 'data for the policies (JSON/YAML files, directories), under `data` as conftest -d lays it out; repeatable',
    },
    { name: 'today', value: '<yyyy-mm-dd>', description: 'evaluate waiver expiry as of this date (default: today, UTC)' },
    { name: 'color', description: 'colour even when not on a terminal (also FORCE_COLOR=1)' },
    { name: 'no-color', description: 'no colour (also NO_COLOR=1)' },
    HELP_OPTION,
  ],
  epilog: `Colour is on for a terminal and in GitLab CI job logs. The stylish listing wraps to the terminal width
(or $COLUMNS); progress is shown on stderr only when it is a terminal.

Examples:
  meshguard k8s/                                  stylish listing, exit 1 on errors
  meshguard check . --format json                 machine-readable findings
  meshguard check . -r junit=junit.xml -r sarif=meshguard.sarif
  meshguard check --only k8s/api.yaml             pre-commit: the whole repository as context
  kustomize build overlays/prod | meshguard check -   rendered YAML from stdin

Exit codes: 0 nothing at/above --fail-on, 1 findings at/above it, 2 meshguard could not do its job.`,
};

export async function runCheckCommand(argv: string[], environment: CliEnvironment): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(CHECK_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(CHECK_SPEC), stderr: '' };

  const format = parseFormat(stringOption(values, 'format') ?? 'stylish', '--format');
  const reports = (listOption(values, 'report') ?? []).map(parseReportTarget);
  const failOn = parseFailOn(stringOption(values, 'fail-on') ?? 'error');
  const today = stringOption(values, 'today');
  if (today !== undefined && !isCalendarDate(today)) throw new UsageError(`--today must be a date as YYYY-MM-DD, got '${today}'`);
  if (values.only && positionals.length === 0) throw new UsageError('--only needs the changed files as paths');

  const notes: string[] = [];
  let root = environment.cwd;
  if (values.only) {
    const found = await rootOfChangedFiles(positionals, environment.cwd);
    root = found.root;
    if (!found.marker) notes.push(`meshguard: note: no .git or .meshguard.yaml above the changed files; took ${found.root} as the root\n`);
  }
  const explicitConfig = stringOption(values, 'config');
  const { config, file: configFile } = await loadConfig(root, explicitConfig === undefined ? undefined : path.resolve(environment.cwd, explicitConfig));
  const baseline = stringOption(values, 'baseline') ?? (environment.env.CI_MERGE_REQUEST_DIFF_BASE_SHA || undefined);
  // `-` is standard input: rendered YAML (kustomize build / helm template output).
  const readsStdin = positionals.includes('-');
  const paths = positionals.filter((p) => p !== '-');
  const inputs = values.only ? ['.'] : paths.length > 0 ? paths.map((p) => relativeInput(root, path.resolve(environment.cwd, p))) : readsStdin ? [] : ['.'];
  const stdinBase = stringOption(values, 'stdin-base');
  const stdin = readsStdin ? { text: environment.readStdin ? await environment.readStdin() : '', ...(stdinBase ? { base: stdinBase } : {}) } : undefined;
  const cacheLocation = stringOption(values, 'cache-location');
  const policies = listOption(values, 'policy');
  const namespaces = listOption(values, 'namespace');
  const policyData = listOption(values, 'data');
  // Where the cache goes is checked before the run, not after a long one; a report that cannot be
  // written is reported after the findings are printed, so they are never lost.
  const cacheFile = values.cache || cacheLocation ? (cacheLocation ? path.resolve(environment.cwd, cacheLocation) : path.join(root, DEFAULT_CACHE_FILE)) : undefined;
  if (cacheFile) {
    await writable(path.dirname(cacheFile), '--cache-location');
    // The default cache directory says it is not to be committed, as other tools' caches do.
    if (!cacheLocation) await ignoredByGit(path.dirname(cacheFile));
  }
  const progress = createProgress(environment.stderr, environment.env);
  let result: CheckResult;
  try {
    result = await runCheck({
      root,
      inputs,
      config,
      ...(policies ? { policies } : {}),
      ...(namespaces ? { policyNamespaces: namespaces } : {}),
      ...(values.combine ? { combine: true } : {}),
      ...(policyData ? { policyData } : {}),
      ...(stdin ? { stdin } : {}),
      ...(configFile ? { configFile: path.relative(root, configFile) } : {}),
      ...(today ? { today } : {}),
      ...(baseline ? { baseline } : {}),
      ...(cacheFile ? { cacheFile } : {}),
      ...(cacheFile && environment.env[CACHE_KEY_VARIABLE] ? { cacheSecret: environment.env[CACHE_KEY_VARIABLE] } : {}),
      ...(environment.env.MESHGUARD_TIMING ? { timing: true } : {}),
      ...(values.only ? { only: positionals.map((p) => toPosix(path.relative(root, path.resolve(environment.cwd, p)))) } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } finally {
    progress?.done();
  }
  if (namespaces) {
    for (const ns of await unmatchedNamespaces(namespaces, [...config.policies, ...(policies ?? [])], root)) {
      notes.push(`meshguard: warning: --namespace ${ns} matches no package of the policies, so no conftest rule of it ran\n`);
    }
  }

  const input = toReportInput(result, failOn);
  // A report that cannot be written does not lose the findings: they are printed, then the run fails.
  const unwritten: string[] = [];
  for (const target of reports) {
    const absolute = path.resolve(environment.cwd, target.path);
    await writeReportFile(absolute, renderReport(target.format, input, { color: false })).catch((error: Error) =>
      unwritten.push(`meshguard: ${error.message}\n`),
    );
  }
  const colorFlag = values.color === true ? true : values['no-color'] === true ? false : undefined;
  const color = colorEnabled(colorFlag, environment.stdout.isTTY, environment.env);
  const width = terminalWidth(environment.stdout, environment.env);
  let stdout = renderReport(format, input, { color, ...(width ? { width } : {}) });
  const exitCode = unwritten.length > 0 ? EXIT_UNUSABLE : exitCodeFor(result, failOn);
  // In GitLab job logs the listing folds into a section, open when the job fails.
  if (format === 'stylish' && environment.env.GITLAB_CI === 'true') {
    const now = Math.floor(Date.now() / 1000);
    stdout = inSection('meshguard', 'meshguard check', stdout, { start: now, end: now }, { collapsed: exitCode === 0 });
  }
  // On GitHub Actions, the most severe findings also become annotations on the pull request diff.
  await emitGitHubAnnotations(input, { env: environment.env });
  return { exitCode, stdout, stderr: notes.join('') + (result.timings ? formatTimings(result.timings) : '') + unwritten.join('') };
}

/** A real calendar date: `2027-13-45` has the shape but would silently roll over into 2028. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * conftest namespaces given on the command line that no `.rego` policy declares as its package:
 * such a flag silently runs nothing. A `package` clause is one line, so reading it
 * needs no Rego parse. Precompiled `.wasm` modules are not inspected.
 */
async function unmatchedNamespaces(namespaces: readonly string[], patterns: readonly string[], root: string): Promise<string[]> {
  const wanted = namespaces.filter((ns) => ns !== '*');
  if (wanted.length === 0) return [];
  const files = await discoverFiles(patterns, { root, include: ['**/*.rego'], exclude: ['**/*_test.rego'] }).catch(() => []);
  const packages = new Set<string>();
  for (const file of files.filter((f) => f.path.endsWith('.rego'))) {
    const match = /^[ \t]*package[ \t]+([A-Za-z_][\w.]*)/m.exec(await readFile(file.absPath, 'utf8'));
    if (match) packages.add(match[1]!.replace(/^data\./, ''));
  }
  // conftest matches namespaces exactly: `--namespace main` does not run package main.k8s.
  return wanted.filter((ns) => !packages.has(ns));
}

/** A directory meshguard is to write into, created if need be; a path it cannot use is the user's to fix. */
async function writable(directory: string, flag: string): Promise<void> {
  await mkdir(directory, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag}: cannot create ${directory}: ${fileProblem(error)}`);
  });
}

function fileProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'EROFS':
      return 'read-only file system';
    default:
      return error.code ?? error.message;
  }
}

async function ignoredByGit(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, '.gitignore'), '# Created by meshguard: a local cache, never to be committed.\n*\n', { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/** Inputs inside the root are given relative to it (findings name them so); others stay absolute. */
function relativeInput(root: string, absolute: string): string {
  const relative = path.relative(root, absolute);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}



export type FailOn = Severity | 'none';

function parseFailOn(value: string): FailOn {
  if (value === 'error' || value === 'warning' || value === 'info' || value === 'none') return value;
  throw new UsageError(`--fail-on must be error, warning, info or none, got '${value}'`);
}

function parseFormat(value: string, flag: string): ReportFormat {
  if (isReportFormat(value)) return value;
  throw new UsageError(`${flag}: unknown format '${value}' (use one of ${REPORT_FORMATS.join(', ')})`);
}

function parseReportTarget(spec: string): { format: ReportFormat; path: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--report expects FORMAT=PATH, got '${spec}'`);
  return { format: parseFormat(spec.slice(0, eq), '--report'), path: spec.slice(eq + 1) };
}

export function exitCodeFor(result: Pick<CheckResult, 'findings'>, failOn: FailOn): number {
  if (failOn === 'none') return EXIT_OK;
  const threshold = SEVERITY_RANK[failOn];
  return result.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}

export function toReportInput(result: CheckResult, failOn: FailOn): ReportInput {
  return {
    findings: result.findings,
    rules: result.rules,
    // Read through: a replayed run builds its checked pairs only for the reports that list them (JUnit, SARIF).
    get checked() {
      return result.checked;
    },
    tool: { name: 'meshguard', version: PACKAGE_VERSION, informationUri: 'https://gitlab.com/meshguard/meshguard' },
    summary: {
      files: result.files.length,
      resources: result.resources,
      durationMs: result.durationMs,
      ...(result.baseline ? { baseline: result.baseline } : {}),
    },
    failOn: failOn === 'none' ? 'error' : failOn,
  };
}

/** MESHGUARD_TIMING=1: where the time went, on stderr so that reports on stdout stay clean. */
function formatTimings(timings: NonNullable<CheckResult['timings']>): string {
  const lines = ['stage / rule                      ms'];
  for (const [name, ms] of [...Object.entries(timings.stages), ...Object.entries(timings.rules).map(([id, t]) => [`  ${id}`, t] as const)]) {
    lines.push(`${String(name).padEnd(30)} ${ms.toFixed(1).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}
