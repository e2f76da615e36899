import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_VERSION } from '../assets.js';
import { loadConfig } from '../config/load.js';
import { runCheck, type CheckResult } from '../engine/check.js';
import { SEVERITY_RANK, type Severity } from '../model/types.js';
import { REPORT_FORMATS, emitGitHubAnnotations, inSection, isReportFormat, renderReport, type ReportFormat, type ReportInput } from '../report/index.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const CHECK_HELP = `Usage: meshguard check [paths...] [options]

Lint Kubernetes/Istio manifests and GitLab CI files (default path: .). Kustomize build roots and Helm
charts are rendered first; '-' reads rendered YAML from stdin (kustomize build ... | meshguard check -).

Options:
  -f, --format <fmt>        stdout format: ${REPORT_FORMATS.join(', ')} (default: stylish)
  -r, --report <fmt=path>   also write a report file; repeatable (e.g. --report sarif=meshguard.sarif)
      --fail-on <level>     exit 1 when a finding is at/above: error, warning, info, none (default: error)
  -c, --config <file>       configuration file (default: .meshguard.yaml in the working directory)
      --only                treat the paths as changed files: load the whole repository for context,
                            report only findings in those files (pre-commit)
      --baseline <git-ref>  merge-request mode: report only findings that are new since <git-ref>
                            (default in GitLab merge-request pipelines: $CI_MERGE_REQUEST_DIFF_BASE_SHA)
      --cache               keep parsed files between runs (.meshguard-cache/parse.json); a re-run after
                            one edit re-parses one file. Findings are never cached.
      --cache-location <f>  where to keep that cache
      --stdin-base <dir>    with '-' (rendered YAML on stdin): the directory that was rendered; origin
                            paths are relative to it and its patches are located
  -p, --policy <path>       also run Rego policies (.rego files, directories, globs, .wasm modules); repeatable
      --namespace <pkg>     conftest namespace whose deny/violation/warn rules run (default: main); repeatable
      --combine             conftest --combine: policies get every resource at once as input
      --today <yyyy-mm-dd>  evaluate waiver expiry as of this date (default: today, UTC)
      --color / --no-color  force or disable colour (default: colour on a terminal)
  -h, --help                show this help

Exit codes: 0 nothing at/above --fail-on, 1 findings at/above it, 2 meshguard could not do its job.`;

interface CheckEnvironment {
  cwd: string;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
  /** Standard input as text, read only for `meshguard check -`. */
  readStdin: () => Promise<string>;
}

export async function runCheckCommand(argv: string[], environment: CheckEnvironment): Promise<CommandOutcome> {
  const { values, positionals } = parseCheckArgs(argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: `${CHECK_HELP}\n`, stderr: '' };

  const format = parseFormat(values.format ?? 'stylish', '--format');
  const reports = (values.report ?? []).map(parseReportTarget);
  const failOn = parseFailOn(values['fail-on'] ?? 'error');
  const today = values.today;
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be YYYY-MM-DD, got '${today}'`);

  const root = environment.cwd;
  const { config, file: configFile } = await loadConfig(root, values.config);
  const baseline = values.baseline ?? (environment.env.CI_MERGE_REQUEST_DIFF_BASE_SHA || undefined);
  // `-` is standard input: rendered YAML (kustomize build / helm template output).
  const readsStdin = positionals.includes('-');
  const paths = positionals.filter((p) => p !== '-');
  const inputs = values.only ? ['.'] : paths.length > 0 ? paths : readsStdin ? [] : ['.'];
  const stdin = readsStdin ? { text: await environment.readStdin(), ...(values['stdin-base'] ? { base: values['stdin-base'] } : {}) } : undefined;
  const result = await runCheck({
    root,
    inputs,
    config,
    ...(configFile ? { configFile: path.relative(root, configFile) } : {}),
    ...(today ? { today } : {}),
    ...(baseline ? { baseline } : {}),
    ...(values.cache || values['cache-location'] ? { cacheFile: values['cache-location'] ?? DEFAULT_CACHE_FILE } : {}),
    ...(environment.env.MESHGUARD_TIMING ? { timing: true } : {}),
    ...(values.policy ? { policies: values.policy } : {}),
    ...(values.namespace ? { policyNamespaces: values.namespace } : {}),
    ...(values.combine ? { combine: true } : {}),
    ...(stdin ? { stdin } : {}),
    ...(values.only ? { only: positionals.map((p) => path.relative(root, path.resolve(root, p)).split(path.sep).join('/')) } : {}),
  });

  const input = toReportInput(result, failOn);
  for (const target of reports) {
    const absolute = path.resolve(root, target.path);
    await mkdir(path.dirname(absolute), { recursive: true });
    await writeFile(absolute, renderReport(target.format, input, { color: false }));
  }
  const color = values.color ?? (values['no-color'] ? false : environment.isTty && !environment.env.NO_COLOR);
  let stdout = renderReport(format, input, { color });
  const exitCode = exitCodeFor(result, failOn);
  // In GitLab job logs the listing folds into a section, open when the job fails.
  if (format === 'stylish' && environment.env.GITLAB_CI === 'true') {
    const now = Math.floor(Date.now() / 1000);
    stdout = inSection('meshguard', 'meshguard check', stdout, { start: now, end: now }, { collapsed: exitCode === 0 });
  }
  // On GitHub Actions, the most severe findings also become annotations on the pull request diff.
  await emitGitHubAnnotations(input, { env: environment.env });
  return { exitCode, stdout, stderr: result.timings ? formatTimings(result.timings) : '' };
}

function parseCheckArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        report: { type: 'string', short: 'r', multiple: true },
        'fail-on': { type: 'string' },
        config: { type: 'string', short: 'c' },
        only: { type: 'boolean' },
        baseline: { type: 'string' },
        cache: { type: 'boolean' },
        'cache-location': { type: 'string' },
        today: { type: 'string' },
        policy: { type: 'string', short: 'p', multiple: true },
        namespace: { type: 'string', multiple: true },
        combine: { type: 'boolean' },
        'stdin-base': { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const DEFAULT_CACHE_FILE = '.meshguard-cache/parse.json';

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
    checked: result.checked,
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
