import type { Finding, Suppression } from '../model/types.js';
import { countFindings, isFailing, repoPath } from './common.js';
import type { ReportInput } from './types.js';

/** Fixed key order and explicit nulls: consumers (jq, dashboards) get the same shape for every finding. */
function findingJson(finding: Finding): Record<string, unknown> {
  const r = finding.resource;
  return {
    ruleId: finding.ruleId,
    messageId: finding.messageId,
    severity: finding.severity,
    message: finding.message,
    file: repoPath(finding.file),
    line: finding.line,
    column: finding.column,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
    resource: r ? { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace ?? null, name: r.name } : null,
    path: finding.path,
    related: (finding.related ?? []).map((x) => ({
      apiVersion: x.apiVersion,
      kind: x.kind,
      namespace: x.namespace ?? null,
      name: x.name,
      file: x.file !== undefined ? repoPath(x.file) : null,
      line: x.line ?? null,
      column: x.column ?? null,
    })),
    suppressed: finding.suppressed ? suppressionJson(finding.suppressed) : false,
    scopes: finding.scopes ? { kind: finding.scopes.kind, names: finding.scopes.names } : null,
    fingerprint: finding.fingerprint,
  };
}

function suppressionJson(s: Suppression): Record<string, unknown> {
  return { kind: s.kind, justification: s.justification, expires: s.expires ?? null };
}

/** Machine-readable output: every finding, suppressed ones included, plus the counts the CLI prints. */
export function renderJson(input: ReportInput): string {
  const counts = countFindings(input.findings);
  const report = {
    findings: input.findings.map(findingJson),
    summary: {
      problems: counts.errors + counts.warnings + counts.infos,
      errors: counts.errors,
      warnings: counts.warnings,
      infos: counts.infos,
      suppressed: counts.suppressed,
      files: input.summary.files,
      resources: input.summary.resources,
      durationMs: input.summary.durationMs,
      ...(input.summary.baseline ? { baseline: input.summary.baseline } : {}),
      failOn: input.failOn,
      failed: isFailing(input),
    },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
