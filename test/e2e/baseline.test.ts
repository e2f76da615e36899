import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ns = (name: string, injection: string) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    istio-injection: "${injection}"\n`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

/** A real repository: base commit with two problems, head commit fixes one, keeps one (moved down), adds one. */
function makeRepository(): string {
  const dir = tempDir('meshguard-baseline-');
  git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(dir, 'k8s'));
  writeFileSync(path.join(dir, 'k8s/a.yaml'), ns('alpha', 'yes'));
  writeFileSync(path.join(dir, 'k8s/b.yaml'), ns('beta', 'on'));
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'feature');
  writeFileSync(path.join(dir, 'k8s/a.yaml'), `# moved down by a comment\n${ns('alpha', 'yes')}`);
  writeFileSync(path.join(dir, "k8s/b.yaml"), ns("beta", "disabled"));
  writeFileSync(path.join(dir, 'k8s/c.yaml'), ns('gamma', 'true'));
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'head');
  return dir;
}

describe('merge-request baseline (real git repository)', () => {
  it('reports only findings new at head, with new/fixed/unchanged counts', async () => {
    const dir = makeRepository();
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'main', '--format', 'json'], { cwd: dir });
    const { findings, summary } = JSON.parse(run.stdout);
    const live = findings.filter((f: any) => !f.suppressed);
    expect(live.map((f: any) => `${f.file}:${f.line}`)).toEqual(['k8s/c.yaml:6']);
    expect(findings.find((f: any) => f.file === 'k8s/a.yaml')).toMatchObject({ line: 7, suppressed: { kind: 'baseline' } });
    expect(summary.baseline).toMatchObject({ ref: 'main', new: 1, fixed: 1, unchanged: 1 });
    expect(summary.baseline.commit).toBe(git(dir, 'rev-parse', 'main').trim());
    expect(run.code).toBe(1);

    const stylish = await runMeshguard(['check', 'k8s', '--baseline', 'main'], { cwd: dir });
    expect(stylish.stdout).toMatch(/Compared with main \([0-9a-f]{12}\): 1 new, 1 fixed, 1 unchanged/);
  });

  it('takes the base from CI_MERGE_REQUEST_DIFF_BASE_SHA in GitLab merge-request pipelines', async () => {
    const dir = makeRepository();
    const sha = git(dir, 'rev-parse', 'main').trim();
    const run = await runMeshguard(['check', 'k8s', '--format', 'json'], { cwd: dir, env: { CI_MERGE_REQUEST_DIFF_BASE_SHA: sha } });
    expect(JSON.parse(run.stdout).summary.baseline).toMatchObject({ commit: sha, new: 1 });
  });

  it('passes when the merge request only keeps existing problems', async () => {
    const dir = makeRepository();
    git(dir, 'rm', '-q', 'k8s/c.yaml');
    git(dir, 'commit', '-qm', 'drop the new problem');
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'main'], { cwd: dir });
    expect(run.code).toBe(0);
  });

  it('an unknown revision is an unusable argument (exit 2)', async () => {
    const dir = makeRepository();
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'no-such-branch'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown git revision 'no-such-branch'");
  });
});
