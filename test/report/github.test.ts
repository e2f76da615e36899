import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { AnnotationProperties } from '@actions/core';
import { emitGitHubAnnotations, type GitHubCore, type SummaryTableRow } from '../../src/report/github.js';
import type { Finding } from '../../src/model/types.js';
import { makeInput } from './fixtures.js';

interface Call {
  type: string;
  args: unknown[];
}

function recorder(): { core: GitHubCore; calls: Call[] } {
  const calls: Call[] = [];
  const annotate = (type: string) => (message: string, properties?: AnnotationProperties) => void calls.push({ type, args: [message, properties] });
  const core: GitHubCore = {
    error: annotate('error'),
    warning: annotate('warning'),
    notice: annotate('notice'),
    summary: {
      addHeading: (text: string, level?: number | string) => calls.push({ type: 'heading', args: [text, level] }),
      addRaw: (text: string) => calls.push({ type: 'raw', args: [text] }),
      addTable: (rows: SummaryTableRow[]) => calls.push({ type: 'table', args: [rows] }),
      write: async () => calls.push({ type: 'write', args: [] }),
    },
  };
  return { core, calls };
}

const ON_GITHUB = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '/tmp/summary.md' };

describe('github annotations', () => {
  it('does nothing outside GitHub Actions', async () => {
    const { core, calls } = recorder();
    const result = await emitGitHubAnnotations(makeInput(), { core, env: {} });
    expect(result).toEqual({ active: false, annotated: { error: 0, warning: 0, info: 0 }, omitted: 0, summaryWritten: false });
    expect(calls).toEqual([]);
  });

  it('annotates unsuppressed findings, most severe first, with positions and titles', async () => {
    const { core, calls } = recorder();
    const result = await emitGitHubAnnotations(makeInput(), { core, env: ON_GITHUB });
    const annotations = calls.filter((c) => ['error', 'warning', 'notice'].includes(c.type));
    expect(annotations.map((c) => c.type)).toEqual(['error', 'error', 'error', 'warning', 'warning', 'notice']);
    expect(annotations[1]!.args[1]).toEqual({
      title: 'mtls-strict (PeerAuthentication/payments/default)',
      file: 'k8s/mesh/peer-auth.yaml',
      startLine: 14,
      endLine: 14,
      startColumn: 11,
      endColumn: 21,
    });
    // Multi-line range: GitHub forbids columns there.
    expect(annotations[3]!.args[1]).toEqual({ title: 'mtls-strict (Namespace/legacy)', file: 'k8s/cluster/ns.yaml', startLine: 1, endLine: 6 });
    expect(annotations[0]!.args[1]).toMatchObject({ title: 'yaml-syntax', file: 'broken/bad.yaml' });
    expect(annotations.some((c) => String(c.args[0]).includes('never exits'))).toBe(false);
    expect(result).toEqual({ active: true, annotated: { error: 3, warning: 2, info: 1 }, omitted: 0, summaryWritten: true });
  });

  it('writes a summary table of rule, severity and counts', async () => {
    const { core, calls } = recorder();
    await emitGitHubAnnotations(makeInput(), { core, env: ON_GITHUB });
    const summary = calls.filter((c) => ['heading', 'raw', 'table', 'write'].includes(c.type));
    expect(summary[0]).toEqual({ type: 'heading', args: ['meshguard 0.1.0', 2] });
    expect(summary[1]!.args[0]).toBe('6 problems (3 errors, 2 warnings, 1 info), 2 suppressed in 4 files, 5 resources.');
    expect(summary[2]!.args[0]).toEqual([
      [
        { data: 'Rule', header: true },
        { data: 'Severity', header: true },
        { data: 'Findings', header: true },
        { data: 'Suppressed', header: true },
      ],
      ['mtls-strict', 'error', '2', '0'],
      ['yaml-syntax', 'error', '1', '0'],
      ['mtls-strict', 'warning', '1', '0'],
      ['sidecar-resources', 'warning', '1', '1'],
      ['job-sidecar-termination', 'warning', '0', '1'],
      ['sidecar-resources', 'info', '1', '0'],
    ]);
    expect(summary.at(-1)!.type).toBe('write');
  });

  it('respects the 10-per-type limit and says what was left out', async () => {
    const [template] = makeInput().findings;
    const many: Finding[] = [];
    for (let i = 1; i <= 15; i++) {
      for (const severity of ['error', 'warning', 'info'] as const) {
        many.push({ ...template!, severity, line: i, endLine: i, fingerprint: `${severity}-${i}` });
      }
    }
    const { core, calls } = recorder();
    const result = await emitGitHubAnnotations(makeInput({ findings: many }), { core, env: ON_GITHUB });
    const count = (type: string): number => calls.filter((c) => c.type === type).length;
    expect([count('error'), count('warning'), count('notice')]).toEqual([10, 10, 10]);
    // The first ten in input (file/line) order of each severity.
    expect(calls.filter((c) => c.type === 'error').map((c) => (c.args[1] as AnnotationProperties).startLine)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.omitted).toBe(15);
    expect(calls.some((c) => c.type === 'raw' && String(c.args[0]).startsWith('15 findings not annotated'))).toBe(true);
  });

  it('escapes rule ids in the summary table, which GitHub renders as HTML', async () => {
    const [template] = makeInput().findings;
    const { core, calls } = recorder();
    await emitGitHubAnnotations(makeInput({ findings: [{ ...template!, ruleId: '<img src=x>' }] }), { core, env: ON_GITHUB });
    const table = calls.find((c) => c.type === 'table')!.args[0] as SummaryTableRow[];
    expect(table[1]).toEqual(['&lt;img src=x&gt;', 'error', '1', '0']);
  });

  it('skips the summary when GITHUB_STEP_SUMMARY is not set', async () => {
    const { core, calls } = recorder();
    const result = await emitGitHubAnnotations(makeInput(), { core, env: { GITHUB_ACTIONS: 'true' } });
    expect(result.summaryWritten).toBe(false);
    expect(calls.some((c) => c.type === 'write')).toBe(false);
  });

  describe('with the real @actions/core', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshguard-gh-'));
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('prints workflow commands and appends the job summary', async () => {
      const summaryFile = join(dir, 'summary.md');
      writeFileSync(summaryFile, '');
      vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);
      const out: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
      await emitGitHubAnnotations(makeInput(), { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile } });
      vi.restoreAllMocks();
      expect(out.filter((l) => l.startsWith('::'))).toHaveLength(6);
      expect(out).toContain('::error title=mtls-strict (PeerAuthentication/payments/default),file=k8s/mesh/peer-auth.yaml,line=14,endLine=14,col=11,endColumn=21::' +
        'PeerAuthentication "default" sets mode PERMISSIVE: Zürich→東京 🚀 traffic accepts <plain text> & more\n');
      // Newlines in messages are escaped by the toolkit, so one finding stays one command.
      expect(out.some((l) => l.startsWith('::warning title=mtls-strict (Namespace/legacy)') && l.includes('%0Asecond line'))).toBe(true);
      const summary = readFileSync(summaryFile, 'utf8');
      expect(summary).toContain('<h2>meshguard 0.1.0</h2>');
      expect(summary).toContain('<td>mtls-strict</td><td>error</td><td>2</td><td>0</td>');
    });
  });
});
