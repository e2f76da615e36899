import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { STARTER_CONFIG } from '../../src/cli/init.js';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const TODAY = ['--today', '2026-11-26'];
const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    istio-injection: "true"\n';

describe('help', () => {
  const commands = [
    ['check'],
    ['rules'],
    ['init'],
    ['serve'],
    ['policy', 'build'],
    ['policy', 'eval'],
    ['policy', 'test'],
    ['policy', 'verify'],
  ];
  it.each(commands)('meshguard %s --help and meshguard help %s print the full help, exit 0', async (...command) => {
    const viaFlag = await runMeshguard([...command, '--help']);
    const viaHelp = await runMeshguard(['help', ...command]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stderr).toBe('');
    expect(viaFlag.stdout).toMatch(new RegExp(`^Usage: meshguard ${command.join(' ')}\\b`));
    expect(viaFlag.stdout).toContain('Options:');
    expect(viaFlag.stdout).toMatch(/-h, --help +show this help/);
    expect(viaHelp).toEqual(viaFlag);
  });

  it('bare meshguard prints the general help and exits 0', async () => {
    const run = await runMeshguard([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^meshguard \S+ - service-mesh guardrails/);
    expect(run.stdout).toContain('help [command]');
    expect(run.stderr).toBe('');
  });

  it('meshguard <dir> runs check, as the help says', async () => {
    const viaDefault = await runMeshguard(['fixtures/rules/waiver', '--format', 'json', ...TODAY]);
    const viaCheck = await runMeshguard(['check', 'fixtures/rules/waiver', '--format', 'json', ...TODAY]);
    expect(viaDefault.code).toBe(1);
    const strip = (s: string): unknown => ({ ...JSON.parse(s), summary: { ...JSON.parse(s).summary, durationMs: 0 } });
    expect(strip(viaDefault.stdout)).toEqual(strip(viaCheck.stdout));
  });
});

describe('every CLI error path: one meshguard: line, exit 2', () => {
  it.each([
    [['rules', '--format', 'yaml'], /--format must be text, json or markdown/],
    [['rules', '--formta', 'json'], /unknown option --formta \(did you mean --format\?\)/],
    [['help', 'nosuch'], /unknown command 'nosuch'/],
    [['policy', 'evl'], /unknown policy subcommand 'evl' \(did you mean eval\?\)/],
    [['policy', 'build', 'fixtures/policies/conftest', '-e', 'main/nosuch', '-o', 'x.wasm'], /entrypoint main\/nosuch is not defined by any rule/],
    [['policy', 'build', 'fixtures/policies/conftest'], /needs at least one -e <entrypoint>/],
    [['policy', 'build', 'no/such/dir', '-e', 'main/deny'], /no such file or directory: no\/such\/dir/],
    [['policy', 'eval', 'data.main.deny', '-i', 'missing.json', 'fixtures/policies/conftest'], /^meshguard: --input missing\.json: no such file\n$/],
    [['policy', 'eval', 'data.main.deny', '-d', 'fixtures/policies', 'fixtures/policies/conftest'], /--data fixtures\/policies: is a directory/],
    [['policy', 'eval', 'data.main.deny', 'fixtures/policies/nosuch'], /no such file or directory: fixtures\/policies\/nosuch/],
    [['policy', 'test', '--verbos', 'x'], /unknown option --verbos \(did you mean --verbose\?\)/],
    [['policy', 'verify'], /needs at least one suite file/],
    [['serve'], /serve needs --cert and --key/],
    [['serve', '--cert'], /option --cert needs a value <file>/],
    [['init', 'extra'], /init takes no arguments/],
    [['check', '--no-color=1'], /option --no-color takes no value/],
    [['check', 'fixtures/demo', '-r', 'sarif=README.md/out.sarif'], /^meshguard: cannot write report .*README\.md\/out\.sarif: not a valid file path \(a part of it is a file, or it is a directory\)\n$/],
    [['check', 'fixtures/demo', '--cache-location', 'README.md/cache.json'], /^meshguard: --cache-location: cannot create .*README\.md: a part of the path is a file/],
    [['check', 'fixtures/demo', '-c', 'nosuch.yaml'], /^meshguard: nosuch\.yaml: cannot read the configuration: no such file\n$/],
  ])('meshguard %j', async (args, message) => {
    const run = await runMeshguard(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^meshguard: [^\n]+\n$/);
    expect(run.stderr).not.toContain('internal error');
  });

  it('an invalid --input document is the caller’s mistake, not the policy’s', async () => {
    const dir = tempDir('meshguard-cli-');
    writeFileSync(path.join(dir, 'input.json'), '{"kind": "Pod", ');
    const run = await runMeshguard(['policy', 'eval', 'data.main.deny', '-i', path.join(dir, 'input.json'), 'fixtures/policies/conftest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^meshguard: --input .*input\.json: not JSON or YAML: [^\n]+\n$/);
  });

  it('names the key, with line and column, for an unknown rule or rule option in the configuration', async () => {
    const dir = tempDir('meshguard-cli-');
    writeFileSync(path.join(dir, 'ns.yaml'), NAMESPACE);
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'mesh:\n  rootNamespace: istio-system\nrules:\n  sidecar-quota: warning\n  injection-label: off\n');
    const rule = await runMeshguard(['check', '.'], { cwd: dir });
    expect(rule.code).toBe(2);
    expect(rule.stderr).toBe("meshguard: .meshguard.yaml:5:3: unknown rule 'injection-label' in 'rules' (did you mean 'injection-labels'?); `meshguard rules` lists them\n");

    writeFileSync(path.join(dir, '.meshguard.yaml'), 'rules:\n  sidecar-quota:\n    severity: warning\n    options:\n      topContributers: 5\n');
    const option = await runMeshguard(['check', '.'], { cwd: dir });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^meshguard: \.meshguard\.yaml:5:7: unknown option 'topContributers' in 'rules\.sidecar-quota\.options' \(rule sidecar-quota takes [^)]*topContributors[^)]*\)\n$/);

    writeFileSync(path.join(dir, '.meshguard.yaml'), 'rules:\n  sidecar-quota:\n    options:\n      topContributors: many\n');
    const type = await runMeshguard(['check', '.'], { cwd: dir });
    expect(type.stderr).toMatch(/^meshguard: \.meshguard\.yaml:4:7: 'rules\.sidecar-quota\.options\.topContributors' must be /);
  });
});

describe('check behaviour', () => {
  it('--only outside a repository takes the changed files’ directory as the root, and says so', async () => {
    const dir = tempDir('meshguard-cli-');
    mkdirSync(path.join(dir, 'team'));
    writeFileSync(path.join(dir, 'team/ns.yaml'), NAMESPACE);
    // A sibling that must not be loaded: the working directory is not the repository.
    writeFileSync(path.join(dir, 'unrelated.yaml'), 'a: [');
    const run = await runMeshguard(['check', '--only', 'ns.yaml', '--format', 'json'], { cwd: path.join(dir, 'team') });
    expect(run.stderr).toBe(`meshguard: note: no .git or .meshguard.yaml above the changed files; took ${path.join(dir, 'team')} as the root\n`);
    const { findings, summary } = JSON.parse(run.stdout);
    expect(summary.files).toBe(1);
    expect(findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['ns.yaml:6 injection-labels']);
  });

  it('--only finds the root above the changed files by its .meshguard.yaml, from any working directory', async () => {
    const dir = tempDir('meshguard-cli-');
    mkdirSync(path.join(dir, 'repo/k8s'), { recursive: true });
    writeFileSync(path.join(dir, 'repo/.meshguard.yaml'), 'defaultNamespace: team\n');
    writeFileSync(path.join(dir, 'repo/k8s/ns.yaml'), NAMESPACE);
    writeFileSync(path.join(dir, 'repo/k8s/other.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {istio-injection: "yes"}}\n');
    writeFileSync(path.join(dir, 'outside.yaml'), 'a: [');
    const run = await runMeshguard(['check', '--only', path.join(dir, 'repo/k8s/ns.yaml'), '--format', 'json'], { cwd: dir });
    expect(run.stderr).toBe('');
    const { findings, summary } = JSON.parse(run.stdout);
    expect(summary.files).toBe(2);
    expect(findings.map((f: any) => f.file)).toEqual(['k8s/ns.yaml']);
  });

  it('warns when a --namespace matches no policy package', async () => {
    const run = await runMeshguard(['check', 'fixtures/policies/manifests', '--policy', 'fixtures/policies/conftest', '--namespace', 'nosuch', '--namespace', 'main', '--format', 'json', ...TODAY]);
    expect(run.stderr).toBe('meshguard: warning: --namespace nosuch matches no package of the policies, so no conftest rule of it ran\n');
  });

  it('lists which findings the demo suppresses, and the JUnit failures count the listed problems', async () => {
    const dir = tempDir('meshguard-cli-');
    const junit = path.join(dir, 'junit.xml');
    const run = await runMeshguard(['check', 'fixtures/demo', '--fail-on', 'none', '--report', `junit=${junit}`, ...TODAY]);
    expect(run.stdout).toMatch(/^Suppressed by waivers \(1\):\n {2}fixtures\/demo\/\S+:\d+:\d+ \S+ \S+: .+$/m);
    const problems = Number(/✖ (\d+) problems/.exec(run.stdout)![1]);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8'));
    expect(Number(xml.testsuites['@_failures'])).toBe(problems);
  });

  it('colours with FORCE_COLOR and in GitLab CI job logs, not in a plain pipe or with --no-color', async () => {
    const args = ['check', 'fixtures/rules/waiver', ...TODAY];
    expect((await runMeshguard(args)).stdout).not.toContain('\u001b[');
    expect((await runMeshguard(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } })).stdout).toContain('\u001b[31m');
    expect((await runMeshguard(args, { env: { NO_COLOR: '', GITLAB_CI: 'true' } })).stdout).toContain('\u001b[31m');
    expect((await runMeshguard([...args, '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } })).stdout).not.toContain('\u001b[31m');
    expect((await runMeshguard(args, { env: { NO_COLOR: '', FORCE_COLOR: '0' } })).stdout).not.toContain('\u001b[');
  });

  it('wraps the listing to $COLUMNS and draws no progress into a pipe', async () => {
    const run = await runMeshguard(['check', 'fixtures/demo', '--fail-on', 'none', ...TODAY], { env: { COLUMNS: '80' } });
    expect(run.stderr).toBe('');
    for (const line of run.stdout.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(run.stdout).toMatch(/^ +\d+:\d+ +error +sidecar-quota +ResourceQuota\/payments\/compute$/m);
  });

  it('--cache writes a .gitignore into .meshguard-cache; --cache-location alone turns the cache on', async () => {
    const dir = tempDir('meshguard-cli-');
    writeFileSync(path.join(dir, 'ns.yaml'), NAMESPACE);
    await runMeshguard(['check', '.', '--cache'], { cwd: dir });
    expect(readFileSync(path.join(dir, '.meshguard-cache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
    await runMeshguard(['check', '.', '--cache-location', 'elsewhere/cache.json'], { cwd: dir });
    expect(existsSync(path.join(dir, 'elsewhere/cache.json'))).toBe(true);
  });

  it('a file over maxFileBytes names the option to raise', async () => {
    const dir = tempDir('meshguard-cli-');
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'maxFileBytes: 64\n');
    writeFileSync(path.join(dir, 'big.yaml'), NAMESPACE + '# padding\n'.repeat(20));
    const run = await runMeshguard(['check', '.', '--format', 'json'], { cwd: dir });
    const [finding] = JSON.parse(run.stdout).findings;
    expect(finding).toMatchObject({ ruleId: 'input-unreadable', messageId: 'tooLarge' });
    expect(finding.message).toContain('raise maxFileBytes in .meshguard.yaml');
  });

  it('JSON that is not a manifest (JSON Lines, comments) is no finding; a broken JSON manifest still is', async () => {
    const dir = tempDir('meshguard-cli-');
    mkdirSync(path.join(dir, '.vscode'));
    writeFileSync(path.join(dir, '.vscode/settings.json'), '{\n  // editor settings\n  "editor.tabSize": 2,\n}\n');
    writeFileSync(path.join(dir, 'events.json'), '{"id": 1, "msg": "a"}\n{"id": 2, "msg": "b"}\n');
    writeFileSync(path.join(dir, 'ns.json'), '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"},}\n{"x": 1}\n');
    const run = await runMeshguard(['check', '.', '--format', 'json'], { cwd: dir });
    const findings = JSON.parse(run.stdout).findings.map((f: any) => `${f.file} ${f.ruleId}`);
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings)).toEqual(new Set(['ns.json yaml-syntax']));
  });

  it('Helm templates and collection keys print nothing on stderr (no Node warning from the YAML parser)', async () => {
    const dir = tempDir('meshguard-cli-');
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(path.join(dir, 'templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  {{ .Values.key }}: x\n');
    writeFileSync(path.join(dir, 'keys.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  ? [a, b]\n  : x\n');
    const run = await runMeshguard(['check', '.', '--format', 'json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).findings.some((f: any) => f.ruleId === 'helm-template')).toBe(true);
  });
});

describe('meshguard init', () => {
  it('spells out every default, and what it writes is exactly the defaults', () => {
    const config = parseConfig(STARTER_CONFIG, '.meshguard.yaml');
    expect(config).toEqual(DEFAULT_CONFIG);
    for (const key of Object.keys(DEFAULT_CONFIG)) expect(STARTER_CONFIG).toMatch(new RegExp(`^${key}:`, 'm'));
    for (const key of Object.keys(DEFAULT_CONFIG.mesh)) expect(STARTER_CONFIG).toMatch(new RegExp(`^  ${key}:`, 'm'));
  });
});

describe('README', () => {
  it('documents what --cache keeps and when it is invalidated', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).not.toContain('findings are never cached');
    expect(readme).toMatch(/\.meshguard-cache\//);
  });
});
