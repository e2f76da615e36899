import type { Finding, ResourceRef, RuleMeta, Severity } from '../model/types.js';

/** Everything a reporter needs; reporters never look at resources or files themselves. */
export interface ReportInput {
  /** Already sorted by file, line, column, ruleId; includes suppressed findings (`finding.suppressed` set). */
  findings: readonly Finding[];
  /** Every rule that ran. */
  rules: readonly RuleMeta[];
  /** Every (rule, resource) pair evaluated: JUnit needs the passes too, not only the failures. */
  checked: readonly { ruleId: string; file: string; resource?: ResourceRef }[];
  tool: { name: string; version: string; informationUri: string };
  summary: { files: number; resources: number; durationMs: number; baseline?: BaselineSummary };
  /** Threshold for the exit code; reporters only mention it. */
  failOn: Severity;
}

/** Merge-request mode: how head's findings compare with the base revision's, matched by fingerprint. */
export interface BaselineSummary {
  ref: string;
  commit: string;
  /** At head only: these are the ones reported. */
  new: number;
  /** At the base only. */
  fixed: number;
  /** At both: reported as suppressed (kind `baseline`). */
  unchanged: number;
}

export const REPORT_FORMATS = ['stylish', 'json', 'sarif', 'codequality', 'junit'] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** For the CLI: `--format` arrives as a plain string. */
export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

export interface RenderOptions {
  /** ANSI colour; only `stylish` uses it. Off unless asked, so files and pipes stay clean. */
  color?: boolean;
  /** Terminal columns to wrap the human listing at; only `stylish` uses it. Unset: no wrapping. */
  width?: number;
}
