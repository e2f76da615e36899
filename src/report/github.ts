import type { AnnotationProperties } from '@actions/core';
import type { Finding, Severity } from '../model/types.js';
import { SEVERITY_RANK } from '../model/types.js';
import { bySeverityDesc, compareStrings, countFindings, plural, repoPath, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';

/** Same shape as `@actions/core`'s summary table rows (that type is not re-exported from the package root). */
export type SummaryTableRow = (string | { data: string; header?: boolean })[];

/** The slice of `@actions/core` the emitter uses; tests pass a recorder instead of the real module. */
export interface GitHubCore {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  summary: {
    addHeading(text: string, level?: number | string): unknown;
    addRaw(text: string, addEOL?: boolean): unknown;
    addTable(rows: SummaryTableRow[]): unknown;
    write(): Promise<unknown>;
  };
}

export interface GitHubEmitOptions {
  /** Defaults to the real `@actions/core`, loaded only when running on GitHub Actions. */
  core?: GitHubCore;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface GitHubEmitResult {
  /** False when not on GitHub Actions: nothing was emitted. */
  active: boolean;
  annotated: Record<Severity, number>;
  /** Unsuppressed findings beyond GitHub's per-type limit, reported only in the summary. */
  omitted: number;
  summaryWritten: boolean;
}

/** GitHub shows at most 10 annotations of each type per step (50 per job): more are silently dropped. */
export const ANNOTATIONS_PER_TYPE = 10;

const METHOD: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

function annotation(finding: Finding): AnnotationProperties {
  const properties: AnnotationProperties = {
    title: `${finding.ruleId}${finding.resource ? ` (${resourceLabel(finding.resource)})` : ''}`,
    file: repoPath(finding.file),
    startLine: finding.line,
    endLine: finding.endLine,
  };
  // GitHub rejects columns on an annotation spanning several lines.
  if (finding.line === finding.endLine) {
    properties.startColumn = finding.column;
    properties.endColumn = finding.endColumn;
  }
  return properties;
}

/** core.summary inserts cell text as HTML; a rule id is not supposed to hold markup, but never trust it to. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Per rule and severity: what a reviewer scans first in the job summary. */
function summaryRows(findings: readonly Finding[]): SummaryTableRow[] {
  const rows = new Map<string, { ruleId: string; severity: Severity; count: number; suppressed: number }>();
  for (const f of findings) {
    const key = `${f.ruleId}\u0000${f.severity}`;
    const row = rows.get(key) ?? { ruleId: f.ruleId, severity: f.severity, count: 0, suppressed: 0 };
    if (f.suppressed) row.suppressed++;
    else row.count++;
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort(
    (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count || compareStrings(a.ruleId, b.ruleId),
  );
  return [
    [
      { data: 'Rule', header: true },
      { data: 'Severity', header: true },
      { data: 'Findings', header: true },
      { data: 'Suppressed', header: true },
    ],
    ...sorted.map((r) => [escapeHtml(r.ruleId), r.severity, String(r.count), String(r.suppressed)]),
  ];
}

/**
 * On GitHub Actions: annotate the most severe unsuppressed findings (at most 10 per type, so the
 * ones shown are the ones that matter) and write a job summary table. Elsewhere: do nothing.
 */
export async function emitGitHubAnnotations(input: ReportInput, options: GitHubEmitOptions = {}): Promise<GitHubEmitResult> {
  const env = options.env ?? process.env;
  const annotated: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  if (env.GITHUB_ACTIONS !== 'true') return { active: false, annotated, omitted: 0, summaryWritten: false };
  // Loaded lazily: a local run never pays for (or depends on) the Actions toolkit.
  const core: GitHubCore = options.core ?? (await import('@actions/core'));
  let omitted = 0;
  for (const finding of bySeverityDesc(input.findings)) {
    if (finding.suppressed) continue;
    if (annotated[finding.severity] >= ANNOTATIONS_PER_TYPE) {
      omitted++;
      continue;
    }
    annotated[finding.severity]++;
    core[METHOD[finding.severity]](finding.message, annotation(finding));
  }
  // Without GITHUB_STEP_SUMMARY (e.g. an old runner) core.summary.write() throws: skip it instead.
  if (!env.GITHUB_STEP_SUMMARY) return { active: true, annotated, omitted, summaryWritten: false };
  const counts = countFindings(input.findings);
  const problems = counts.errors + counts.warnings + counts.infos;
  core.summary.addHeading(`${input.tool.name} ${input.tool.version}`, 2);
  core.summary.addRaw(
    `${plural(problems, 'problem')} (${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}, ${plural(counts.infos, 'info')}), ` +
      `${counts.suppressed} suppressed in ${plural(input.summary.files, 'file')}, ${plural(input.summary.resources, 'resource')}.`,
    true,
  );
  if (input.findings.length > 0) core.summary.addTable(summaryRows(input.findings));
  if (omitted > 0) {
    core.summary.addRaw(`${plural(omitted, 'finding')} not annotated: GitHub shows at most ${ANNOTATIONS_PER_TYPE} annotations per type.`, true);
  }
  await core.summary.write();
  return { active: true, annotated, omitted, summaryWritten: true };
}
