import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('CI environments', () => {
  it('annotates the most severe findings and writes a job summary on GitHub Actions', async () => {
    const dir = tempDir('meshguard-gh-');
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const run = await runMeshguard(['check', 'fixtures/rules/waiver', '--today', '2026-11-26'], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(7);
    expect(annotations[0]).toMatch(/^::error title=.*,file=fixtures\/rules\/waiver\/bad\.yaml,line=6,endLine=6,col=5,endColumn=\d+::/);
    expect(readFileSync(summary, 'utf8')).toContain('injection-labels');
  });

  it('folds the listing into a collapsible section in GitLab job logs', async () => {
    const run = await runMeshguard(['check', 'fixtures/rules/waiver', '--today', '2026-11-26'], { env: { GITLAB_CI: 'true' } });
    expect(run.stdout).toMatch(/^\u001b\[0Ksection_start:\d+:meshguard\r\u001b\[0Kmeshguard check\n/);
    expect(run.stdout).toMatch(/\u001b\[0Ksection_end:\d+:meshguard\r\u001b\[0K\n?$/);
  });
});
