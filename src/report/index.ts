import { renderCodeQuality } from './codequality.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderSarif } from './sarif.js';
import { renderStylish } from './stylish.js';
import type { RenderOptions, ReportFormat, ReportInput } from './types.js';

export { REPORT_FORMATS } from './types.js';
export type { RenderOptions, ReportFormat, ReportInput } from './types.js';
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
