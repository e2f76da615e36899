/**
 * meshguard's reporters. Each takes the same ReportInput and returns a string (the GitHub emitter
 * calls an injected @actions/core instead); none reads files, the clock or the environment, so the
 * same input always gives byte-identical output.
 *
 * Severity mappings:
 *   meshguard   SARIF level   GitLab Code Quality   GitHub annotation   JUnit <failure type>
 *   error       error         major                 error               error
 *   warning     warning       minor                 warning             warning
 *   info        note          info                  notice              info
 * Suppressed findings: listed only in json (`suppressed` object) and sarif (`suppressions`: waiver ->
 * inSource, baseline -> external); counted in stylish; omitted from codequality and annotations;
 * passing test cases with a system-out note in junit.
 */
import { renderCodeQuality } from './codequality.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderSarif } from './sarif.js';
import { renderStylish } from './stylish.js';
import type { RenderOptions, ReportFormat, ReportInput } from './types.js';

export { REPORT_FORMATS, isReportFormat } from './types.js';
export type { BaselineSummary, RenderOptions, ReportFormat, ReportInput } from './types.js';
export { CODE_QUALITY_SEVERITY, type CodeQualityIssue, type CodeQualitySeverity } from './codequality.js';
export { ANNOTATIONS_PER_TYPE, emitGitHubAnnotations, type GitHubCore, type GitHubEmitOptions, type GitHubEmitResult, type SummaryTableRow } from './github.js';
export { inSection, sectionEnd, sectionName, sectionStart, type SectionOptions } from './gitlab-sections.js';

/** Renders one format to a string; writing it anywhere is the caller's business. */
export function renderReport(format: ReportFormat, input: ReportInput, options: RenderOptions = {}): string {
  switch (format) {
    case 'stylish':
      return renderStylish(input, options);
    case 'json':
      return renderJson(input);
    case 'sarif':
      return renderSarif(input);
    case 'codequality':
      return renderCodeQuality(input);
    case 'junit':
      return renderJunit(input);
  }
}
