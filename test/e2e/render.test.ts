import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/render/tools.js';
import { CLI, REPO_ROOT, runMeshguard, type CliRun } from '../helpers/cli.js';

const TODAY = ['--today', '2026-12-03'];
const TREE = 'fixtures/render/kustomize';
const HAS_KUSTOMIZE = Boolean(findOnPath('kustomize') || findOnPath('kubectl'));
const HAS_HELM = Boolean(findOnPath('helm'));

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(prefix = 'meshguard-render-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
/** The fixture tree copied to a temporary directory, with a configuration. */
function copyOfTree(config = ''): string {
  const dir = temp();
  cpSync(path.join(REPO_ROOT, TREE), dir, { recursive: true });
  if (config) writeFileSync(path.join(dir, '.meshguard.yaml'), config);
  return dir;
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  messageId: string;
  message: string;
  scopes: { kind: string; names: string[] } | null;
  suppressed: unknown;
}
const findingsOf = (run: CliRun): JsonFinding[] => JSON.parse(run.stdout).findings;
const where = (f: JsonFinding): string => `${f.file}:${f.line}:${f.column} ${f.ruleId}${f.scopes ? ` [${f.scopes.names.join(', ')}]` : ''}`;

function runWithStdin(args: string[], input: string, cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', GITLAB_CI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe.skipIf(!HAS_KUSTOMIZE)('Kustomize rendering (kustomize or kubectl on PATH)', () => {
  it('checks what each overlay renders, every finding at the line a person edits', async () => {
    const run = await runMeshguard(['check', TREE, '--format', 'json', ...TODAY]);
    expect(run.stderr).toBe('');
    const prod = `${TREE}/overlays/prod`;
    const staging = `${TREE}/overlays/staging`;
    expect(findingsOf(run).map(where)).toEqual([
      // The base's own mistake, in both overlays; staging renames the objects (namePrefix), so they are two findings.
      `${TREE}/base/deployment.yaml:14:9 injection-labels [${prod}]`,
      `${TREE}/base/deployment.yaml:14:9 injection-labels [${staging}]`,
      // The generated ConfigMap is located at its configMapGenerator entry (its waiver annotation comes from options).
      `${TREE}/base/kustomization.yaml:8:5 waiver [${prod}]`,
      `${TREE}/base/kustomization.yaml:8:5 waiver [${staging}]`,
      `${TREE}/base/namespace.yaml:4:3 egress-via-gateway [${prod}]`,
      `${TREE}/base/namespace.yaml:4:3 egress-via-gateway [${staging}]`,
      `${TREE}/base/namespace.yaml:4:3 sidecar-scope [${prod}]`,
      `${TREE}/base/namespace.yaml:4:3 sidecar-scope [${staging}]`,
      `${TREE}/base/namespace.yaml:4:3 udp-bulkhead [${prod}]`,
      `${TREE}/base/namespace.yaml:4:3 udp-bulkhead [${staging}]`,
      // A component's strategic-merge patch: only prod uses the component.
      `${TREE}/components/proxy-sizing/proxy-annotations.yaml:10:9 sidecar-proxy-resources [${prod}]`,
      // prod's strategic-merge patch sets replicas to a string.
      `${TREE}/overlays/prod/replicas.yaml:7:3 schema-validation [${prod}]`,
      // staging's JSON 6902 patch adds the annotation: the finding points into the operation's value.
      `${TREE}/overlays/staging/hazelcast-bypass.json:6:15 capture-bypass-bulkhead [${staging}]`,
      `${TREE}/overlays/staging/hazelcast-bypass.json:6:15 capture-bypass-justified [${staging}]`,
    ]);
    // Patches are never read as whole Deployments (they lack selector and template).
    expect(findingsOf(run).filter((f) => f.message.includes("missing required field"))).toEqual([]);
    expect(findingsOf(run)[0]!.message).toContain(`[overlay ${prod}]`);
  });

  it('reports a finding that several overlays share once, naming them', async () => {
    // Without staging's namespace and namePrefix both overlays render the same Deployment from the base.
    const dir = copyOfTree();
    const file = path.join(dir, 'overlays/staging/kustomization.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('namePrefix: staging-\n', '').replace('namespace: shop-staging\n', ''));
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const shared = findingsOf(run).filter((f) => f.ruleId === 'injection-labels');
    expect(shared.map(where)).toEqual(['base/deployment.yaml:14:9 injection-labels [overlays/prod, overlays/staging]']);
    expect(shared[0]!.message).toMatch(/\[overlays overlays\/prod, overlays\/staging\]$/);
  });

  it('renders only the configured roots when render.kustomize.roots names them', async () => {
    const dir = copyOfTree('render:\n  kustomize:\n    roots: ["overlays/staging"]\n');
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const scopes = new Set(findingsOf(run).flatMap((f) => f.scopes?.names ?? []));
    expect([...scopes]).toEqual(['overlays/staging']);
    // prod's patch is still a patch: not checked as a resource.
    expect(findingsOf(run).filter((f) => f.file.startsWith('overlays/prod'))).toEqual([]);
  });

  it('reports a failing build at the entry that names the missing file, and checks the rest', async () => {
    const dir = copyOfTree();
    rmSync(path.join(dir, 'overlays/prod/replicas.yaml'));
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    expect(run.code).toBe(1);
    const failed = findingsOf(run).filter((f) => f.ruleId === 'render-failed');
    expect(failed.map((f) => `${f.file}:${f.line} ${f.messageId}`)).toEqual(['overlays/prod/kustomization.yaml:9 kustomizeFailed']);
    expect(failed[0]!.message).toMatch(/replicas\.yaml/);
    // staging still renders.
    expect(findingsOf(run).some((f) => f.scopes?.names.includes('overlays/staging'))).toBe(true);
  });

  it('never fetches a remote base: an info at the entry, and the build rendered without it', async () => {
    const dir = copyOfTree();
    const file = path.join(dir, 'overlays/staging/kustomization.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  - ../../base\n', '  - ../../base\n  - https://github.com/example/platform//istio?ref=v1.0.0\n'));
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const remote = findingsOf(run).filter((f) => f.ruleId === 'render-skipped');
    expect(remote.map((f) => `${f.file}:${f.line}:${f.column} ${f.messageId}`)).toEqual(['overlays/staging/kustomization.yaml:7:5 remoteBase']);
    expect(findingsOf(run).some((f) => f.file === 'overlays/staging/hazelcast-bypass.json' && f.scopes?.names[0] === 'overlays/staging')).toBe(true);
  });

  it('reads rendered YAML from stdin, located through origin annotations and the build root patches', async () => {
    const dir = copyOfTree();
    const overlay = path.join(dir, 'overlays/staging');
    // As a user would: kustomize asked for origin annotations in the overlay itself.
    writeFileSync(path.join(overlay, 'kustomization.yaml'), `${readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8')}buildMetadata: [originAnnotations]\n`);
    const command = findOnPath('kustomize') ? ['kustomize', 'build'] : ['kubectl', 'kustomize'];
    const rendered = execFileSync(command[0]!, [...command.slice(1), overlay], { encoding: 'utf8' });
    const run = await runWithStdin(['check', '-', '--stdin-base', 'overlays/staging', '--format', 'json', ...TODAY], rendered, dir);
    const at = findingsOf(run).map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);
    expect(at).toContain('base/deployment.yaml:14:9 injection-labels');
    expect(at).toContain('base/kustomization.yaml:8:5 waiver');
    expect(at).toContain('overlays/staging/hazelcast-bypass.json:6:15 capture-bypass-justified');
    expect(at.every((a) => !a.startsWith('<stdin>'))).toBe(true);
  });

  it('compares a merge request with the base revision rendered from its own files', async () => {
    const dir = copyOfTree();
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    // The merge request: prod's patch fixes replicas but sets a malformed injection label.
    writeFileSync(path.join(dir, 'overlays/prod/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  namespace: shop\nspec:\n  replicas: 6\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: "on"\n');
    const run = await runMeshguard(['check', '.', '--baseline', 'main', '--format', 'json', ...TODAY], { cwd: dir });
    const live = findingsOf(run).filter((f) => !f.suppressed);
    // The relabel replaces the base's "yes" in prod: a new finding located in the patch. Fixed: the
    // replicas type error and prod's "yes"; staging's "yes" is unchanged.
    expect(live.map(where)).toEqual(['overlays/prod/replicas.yaml:11:9 injection-labels [overlays/prod]']);
    expect(JSON.parse(run.stdout).summary.baseline).toMatchObject({ new: 1, fixed: 2, unchanged: 12 });
  });
});

describe('rendering without the tools', () => {
  it('says once that kustomize is missing and never reads patches as resources', async () => {
    const dir = copyOfTree('render:\n  kustomize:\n    command: [meshguard-no-such-kustomize, build]\n');
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const findings = findingsOf(run);
    expect(findings.filter((f) => f.ruleId === 'render-skipped').map((f) => `${f.file}:${f.line} ${f.messageId}`)).toEqual(['overlays/prod/kustomization.yaml:1 noKustomize']);
    // Files are checked as written; patch files (SMP and JSON 6902) and kustomizations are not resources.
    const files = new Set(findings.map((f) => f.file));
    expect([...files].sort()).toEqual(['base/deployment.yaml', 'base/namespace.yaml', 'overlays/prod/kustomization.yaml']);
    expect(findings.every((f) => f.scopes === null)).toBe(true);
  });

  it('reports a rendering that runs out of time as a finding, not a hang', async () => {
    const dir = copyOfTree('render:\n  timeoutMs: 300\n  kustomize:\n    roots: [overlays/prod]\n    command: [sh, -c, "exec sleep 30", sh]\n');
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const failed = findingsOf(run).filter((f) => f.ruleId === 'render-failed');
    expect(failed.map((f) => `${f.file}:${f.line} ${f.messageId}`)).toEqual(['overlays/prod/kustomization.yaml:1 timeout']);
    expect(failed[0]!.message).toMatch(/did not finish within 300 ms/);
  });

  it('gives one info per chart without helm instead of one warning per template', async () => {
    const config = path.join(temp(), 'config.yaml');
    writeFileSync(config, 'render:\n  helm:\n    command: [meshguard-no-such-helm]\n');
    const run = await runMeshguard(['check', 'fixtures/render/helm', '--config', config, '--format', 'json', ...TODAY]);
    expect(findingsOf(run).map((f) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`)).toEqual(['fixtures/render/helm/web/Chart.yaml:1 render-skipped/noHelm']);
  });

  it('locates `helm template` output from stdin in the templates through `# Source:` comments', async () => {
    const cwd = path.join(REPO_ROOT, 'fixtures/render/helm');
    const run = await runWithStdin(['check', '-', '--format', 'json', ...TODAY], readFileSync(path.join(cwd, 'web.rendered.txt'), 'utf8'), cwd);
    const at = findingsOf(run).map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);
    expect(at).toContain('web/templates/deployment.yaml:16:9 injection-labels');
  });

  it('locates objects without origin in the stream itself', async () => {
    const run = await runWithStdin(['check', '-', '--format', 'json', ...TODAY], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels:\n    istio-injection: "yes"\n', temp());
    expect(findingsOf(run).map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`)).toEqual(['<stdin>:6:5 injection-labels']);
  });
});

describe.skipIf(!HAS_HELM)('Helm rendering (helm on PATH)', () => {
  it('renders the chart and locates findings in its templates', async () => {
    const run = await runMeshguard(['check', 'fixtures/render/helm', '--format', 'json', ...TODAY]);
    const at = findingsOf(run).map(where);
    expect(at).toContain('fixtures/render/helm/web/templates/deployment.yaml:16:9 injection-labels [fixtures/render/helm/web]');
  });
});
