import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { makeInput } from './fixtures.js';

interface JsonReport {
  findings: Array<Record<string, unknown>>;
  summary: Record<string, unknown>;
}

describe('json', () => {
  const text = renderJson(makeInput());
  const report = JSON.parse(text) as JsonReport;

  it('lists every finding, suppressed ones included, with a fixed key order', () => {
    expect(report.findings).toHaveLength(8);
    for (const f of report.findings) {
      expect(Object.keys(f)).toEqual([
        'ruleId', 'messageId', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'resource', 'path', 'related', 'suppressed', 'scopes', 'fingerprint',
      ]);
    }
  });

  it('keeps resource identity, file-level nulls and suppression objects', () => {
    expect(report.findings[0]).toMatchObject({ ruleId: 'yaml-syntax', resource: null, suppressed: false, line: 3, column: 1 });
    expect(report.findings[1]?.resource).toEqual({ apiVersion: 'v1', kind: 'Namespace', namespace: null, name: 'legacy' });
    expect(report.findings[2]?.suppressed).toEqual({ kind: 'waiver', justification: 'sidecar exits via /quitquitquit in the entrypoint', expires: '2027-01-31' });
    // A related resource without a known position keeps the same shape, with explicit nulls.
    expect(report.findings[4]?.related).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'api', file: null, line: null, column: null }]);
    expect(report.findings[4]?.message).toContain('Zürich→東京 🚀');
  });

  it('summarises counts by severity, suppressed, files and resources', () => {
    expect(report.summary).toEqual({
      problems: 6, errors: 3, warnings: 2, infos: 1, suppressed: 2, files: 4, resources: 5, durationMs: 212, failOn: 'error', failed: true,
    });
  });

  it('is deterministic and newline-terminated', () => {
    expect(renderJson(makeInput())).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
