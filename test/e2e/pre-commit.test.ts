import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });

/**
 * pre-commit calls the hook's entry with the staged file names appended: `meshguard check --only a.yaml`.
 * The finding below exists only because of files that are not staged: the namespace that injects the
 * sidecar and the quota the sidecar overflows.
 */
describe('the pre-commit hook', () => {
  it('reports a cross-resource finding in the staged file, computed from unchanged files', async () => {
    const dir = tempDir('meshguard-precommit-');
    git(dir, 'init', '-q', '-b', 'main');
    mkdirSync(path.join(dir, 'team'));
    writeFileSync(
      path.join(dir, 'team/namespace.yaml'),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels:\n    istio-injection: enabled\n---\n' +
        'apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\n  namespace: team\nspec:\n  hard:\n    requests.cpu: "1"\n',
    );
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'platform');
    // The staged change: a CronJob whose command never stops the injected proxy.
    writeFileSync(
      path.join(dir, 'team/report.yaml'),
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\n  namespace: team\nspec:\n  schedule: "0 2 * * *"\n  jobTemplate:\n    spec:\n      activeDeadlineSeconds: 600\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: report\n              image: registry.example.com/report:1.0.0\n              command: ["/app/report"]\n              resources:\n                requests: {cpu: 100m, memory: 64Mi}\n                limits: {cpu: 200m, memory: 128Mi}\n',
    );
    git(dir, 'add', 'team/report.yaml');

    const run = await runMeshguard(['check', '--only', 'team/report.yaml', '--format', 'json'], { cwd: dir });
    const findings = JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed);
    // In the staged file, or on an unchanged file but about it (its related resources are in the staged file).
    expect(findings.every((f: any) => f.file === 'team/report.yaml' || f.related.some((r: any) => r.file === 'team/report.yaml'))).toBe(true);
    expect(findings.some((f: any) => f.file === 'team/report.yaml')).toBe(true);
    const termination = findings.find((f: any) => f.ruleId === 'job-sidecar-termination');
    expect(termination).toMatchObject({ file: 'team/report.yaml', line: 17 });
    expect(termination.message).toContain('namespace team label istio-injection');
    expect(run.code).toBe(1);

    // The unchanged namespace file has findings of its own (no Sidecar, no default deny): not reported here.
    const whole = await runMeshguard(['check', '.', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(whole.stdout).findings.some((f: any) => f.file === 'team/namespace.yaml')).toBe(true);
  });
});
