import { createHash } from 'node:crypto';
import type { Severity } from '../model/types.js';
import { repoPath, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

/**
 * error -> major, warning -> minor, info -> info: the convention of ESLint-to-GitLab formatters that
 * users already read in the MR widget; critical and blocker stay free for nothing we emit today.
 */
export const CODE_QUALITY_SEVERITY: Readonly<Record<Severity, CodeQualitySeverity>> = {
  error: 'major',
  warning: 'minor',
  info: 'info',
};

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeQualitySeverity;
  location: { path: string; lines: { begin: number } };
}

/**
 * GitLab keys issues by fingerprint, so duplicates collapse into one. The engine should prevent them;
 * if one slips through, later occurrences get a hash of (fingerprint, occurrence number), which is
 * stable for the same input order and cannot collide with the fingerprints already taken.
 */
function uniqueFingerprint(fingerprint: string, taken: Set<string>): string {
  let candidate = fingerprint;
  for (let n = 2; taken.has(candidate); n++) {
    candidate = createHash('sha256').update(`${fingerprint}\u0000${n}`).digest('hex').slice(0, 32);
  }
  taken.add(candidate);
  return candidate;
}

/** GitLab Code Quality (Code Climate subset): unsuppressed findings only, since waived ones are accepted debt. */
export function renderCodeQuality(input: ReportInput): string {
  const taken = new Set<string>();
  const issues: CodeQualityIssue[] = [];
  for (const finding of input.findings) {
    if (finding.suppressed) continue;
    // The MR widget shows the description only: name where the other resources of the finding are written.
    const located = (finding.related ?? []).filter((r) => r.file !== undefined && r.line !== undefined);
    const seeAlso = located.length > 0 ? ` (related: ${located.map((r) => `${resourceLabel(r)} at ${repoPath(r.file!)}:${r.line}:${r.column ?? 1}`).join(', ')})` : '';
    issues.push({
      description: finding.message + seeAlso,
      check_name: finding.ruleId,
      fingerprint: uniqueFingerprint(finding.fingerprint, taken),
      severity: CODE_QUALITY_SEVERITY[finding.severity],
      // GitLab's parser stops at the first invalid entry: never let a bad line number through.
      location: { path: repoPath(finding.file), lines: { begin: Math.max(1, Math.trunc(finding.line) || 1) } },
    });
  }
  return `${JSON.stringify(issues, null, 2)}\n`;
}
