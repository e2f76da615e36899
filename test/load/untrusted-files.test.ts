import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { loadWorkspace } from '../../src/load/index.js';
import { readTextFile } from '../../src/load/read.js';
import { CLI, runMeshguard } from '../helpers/cli.js';

const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: a}\ndata: {k: v}\n';
const SECRET = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaked, namespace: a}\ndata: {password: hunter2-outside-the-repo}\n';

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const isRoot = process.getuid?.() === 0;

/** The loader reads only regular files inside the tree it was pointed at, and says so for the rest. */
describe('untrusted files in the tree', () => {
  let base: string;
  let repo: string;

  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'meshguard-untrusted-'));
    repo = path.join(base, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'app.yaml'), CONFIG_MAP);
    writeFileSync(path.join(base, 'secret.yaml'), SECRET);
  });
  afterEach(() => {
    chmodSync(base, 0o700);
    rmSync(base, { recursive: true, force: true });
  });

  const load = (inputs: string[] = ['.'], root = repo) => loadWorkspace(inputs, root, DEFAULT_CONFIG);
  const problemsOf = (workspace: Awaited<ReturnType<typeof load>>) => workspace.problems.map((p) => `${p.file} ${p.ruleId}/${p.messageId}`);

  it('does not follow a link to a file outside the repository, and says so (the content is never quoted)', async () => {
    symlinkSync(path.join(base, 'secret.yaml'), path.join(repo, 'linked.yaml'));
    const workspace = await load();
    expect(problemsOf(workspace)).toEqual(['linked.yaml input-unreadable/outsideRepository']);
    expect(workspace.resources.map((r) => r.name)).toEqual(['app']);
    expect(JSON.stringify(workspace)).not.toContain('hunter2');
  });

  it('refuses such a link when it is named on the command line too', async () => {
    symlinkSync(path.join(base, 'secret.yaml'), path.join(repo, 'linked.yaml'));
    expect(problemsOf(await load(['linked.yaml']))).toEqual(['linked.yaml input-unreadable/outsideRepository']);
  });

  it('follows a link that stays inside the repository', async () => {
    mkdirSync(path.join(repo, 'shared'));
    writeFileSync(path.join(repo, 'shared', 'real.yaml'), SECRET.replace('leaked', 'shared'));
    symlinkSync(path.join(repo, 'shared', 'real.yaml'), path.join(repo, 'alias.yaml'));
    const workspace = await load();
    expect(workspace.problems).toEqual([]);
    expect(workspace.resources.map((r) => r.name).sort()).toEqual(['app', 'shared', 'shared']);
  });

  it('refuses a link to a device (/dev/zero would be read forever)', async () => {
    symlinkSync('/dev/zero', path.join(repo, 'zero.yaml'));
    // /dev is outside the repository: refused before its kind even matters.
    expect(problemsOf(await load())).toEqual(['zero.yaml input-unreadable/outsideRepository']);
    // A device reached directly (a file named outside the root) is refused as a special file.
    expect((await readTextFile('/dev/zero', 'zero', 1024)).ok).toBe(false);
  });

  it.skipIf(!hasMkfifo)('refuses a FIFO instead of waiting forever for a writer', async () => {
    execFileSync('mkfifo', [path.join(repo, 'pipe.yaml')]);
    expect(problemsOf(await load())).toEqual(['pipe.yaml input-unreadable/notRegularFile']);
    const direct = await readTextFile(path.join(repo, 'pipe.yaml'), 'pipe.yaml', 1024);
    expect(direct.ok ? '' : direct.problem.messageId).toBe('notRegularFile');
  });

  it.skipIf(!existsSync('/proc/self/maps'))('stops reading at maxFileBytes whatever stat says (a /proc file reports size 0)', async () => {
    const outcome = await readTextFile('/proc/self/maps', 'maps', 64);
    expect(outcome.ok ? '' : outcome.problem.messageId).toBe('tooLarge');
  });

  it.skipIf(isRoot)('reports a directory it cannot read instead of skipping it silently', async () => {
    mkdirSync(path.join(repo, 'locked'));
    writeFileSync(path.join(repo, 'locked', 'hidden.yaml'), CONFIG_MAP);
    chmodSync(path.join(repo, 'locked'), 0o000);
    try {
      expect(problemsOf(await load())).toEqual(['locked input-unreadable/unreadableDirectory']);
    } finally {
      chmodSync(path.join(repo, 'locked'), 0o700);
    }
  });

  // Root reads any directory: there the CLI runs as `nobody`, so that the refusal is real and not skipped.
  it.skipIf(!isRoot)('reports a directory it cannot read, run as an unprivileged user when the tests run as root', async () => {
    mkdirSync(path.join(repo, 'locked'));
    writeFileSync(path.join(repo, 'locked', 'hidden.yaml'), CONFIG_MAP);
    // The test run's private temp directory is 0700: `nobody` may pass through it for this test only.
    const privateTmp = tmpdir();
    chmodSync(privateTmp, 0o711);
    chmodSync(base, 0o711);
    chmodSync(repo, 0o755);
    chmodSync(path.join(repo, 'app.yaml'), 0o644);
    chmodSync(path.join(repo, 'locked'), 0o000);
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'check', '.', '--format', 'json'], { cwd: repo, uid: 65534, gid: 65534, env: { PATH: process.env.PATH, NO_COLOR: '1', TMPDIR: '/tmp' } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      ),
    ).finally(() => {
      chmodSync(path.join(repo, 'locked'), 0o700);
      chmodSync(privateTmp, 0o700);
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as { findings: Array<{ file: string; ruleId: string; messageId: string }> }).findings;
    expect(findings.map((f) => `${f.file} ${f.ruleId}/${f.messageId}`)).toContain('locked input-unreadable/unreadableDirectory');
  });

  it('flags a NUL byte anywhere in the file, not only in its first 8 KiB', async () => {
    writeFileSync(path.join(repo, 'late-nul.yaml'), `${CONFIG_MAP}# ${'x'.repeat(10_000)}\n# \u0000\n`);
    expect(problemsOf(await load())).toEqual(['late-nul.yaml input-unreadable/binary']);
  });

  it('resolves GitLab `include: local` against the CI file\'s repository, also when run from a parent directory', async () => {
    mkdirSync(path.join(repo, '.git'));
    writeFileSync(path.join(repo, '.gitlab-ci.yml'), 'include:\n  - local: secret.yaml\njob:\n  script: [echo]\n');
    // Started in the parent: `secret.yaml` is the repository's own file (absent), never ../secret.yaml.
    const workspace = await load(['repo'], base);
    expect(problemsOf(workspace)).toContain('repo/.gitlab-ci.yml gitlab-include/localMissing');
    expect(JSON.stringify(workspace)).not.toContain('hunter2');
    writeFileSync(path.join(repo, 'secret.yaml'), 'inside:\n  script: [echo inside]\n');
    const found = await load(['repo'], base);
    expect(problemsOf(found).filter((p) => p.includes('gitlab-include'))).toEqual([]);
  });

  it.skipIf(!hasMkfifo)('meshguard check on a tree with a FIFO and an outside link ends with findings (exit 1), never hangs', async () => {
    execFileSync('mkfifo', [path.join(repo, 'pipe.yaml')]);
    symlinkSync(path.join(base, 'secret.yaml'), path.join(repo, 'linked.yaml'));
    const run = await runMeshguard(['check', '.', '--format', 'json'], { cwd: repo });
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).findings.map((f: { file: string; messageId: string }) => `${f.file} ${f.messageId}`);
    expect(findings.sort()).toEqual(['linked.yaml outsideRepository', 'pipe.yaml notRegularFile']);
    expect(run.stdout).not.toContain('hunter2');
  });
});
